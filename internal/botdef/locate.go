package botdef

import (
	"bufio"
	"errors"
	"io"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/go-json-experiment/json/jsontext"
)

// splitPointer splits an RFC 6901 pointer into unescaped tokens.
func splitPointer(ptr string) []string {
	if ptr == "" {
		return nil
	}
	parts := strings.Split(ptr[1:], "/")
	for i, p := range parts {
		if strings.Contains(p, "~") {
			parts[i] = strings.NewReplacer("~1", "/", "~0", "~").Replace(p)
		}
	}
	return parts
}

// Locate fills in the line and column of problems about one file. Problems
// that only know their pointer are resolved to the byte offset of the value
// there (or of its nearest existing ancestor) by one walk over the file;
// then one counting pass turns offsets into lines and columns. open must
// return the file's bytes from the start each time it is called.
func Locate(file string, problems []*Problem, open func() (io.ReadCloser, error)) error {
	var mine []*Problem
	for _, p := range problems {
		if p.File == file && p.Line == 0 {
			mine = append(mine, p)
		}
	}
	if len(mine) == 0 {
		return nil
	}
	if err := syntaxPointers(mine, open); err != nil {
		return err
	}
	root := &ptrNode{off: -1}
	var need bool
	for _, p := range mine {
		switch {
		case p.offset < 0:
			root.add(splitPointer(p.Pointer))
			need = true
		case p.refine:
			n := root.add(splitPointer(p.Pointer))
			n.refine = append(n.refine, p.offset)
			need = true
		}
	}
	if need {
		rc, err := open()
		if err != nil {
			return err
		}
		dec := jsontext.NewDecoder(rc, jsontext.AllowDuplicateNames(true), jsontext.AllowInvalidUTF8(true))
		_ = root.walk(dec) // a file that stops parsing still yields the offsets found so far
		rc.Close()
		for _, p := range mine {
			switch {
			case p.offset < 0:
				p.offset = root.find(splitPointer(p.Pointer))
			case p.refine:
				if ptr, ok := root.refined[p.offset]; ok {
					p.Pointer = ptr
				}
				p.refine = false
			}
		}
	}
	offsets := make([]int64, 0, len(mine))
	for _, p := range mine {
		if p.offset >= 0 {
			offsets = append(offsets, p.offset)
		}
	}
	slices.Sort(offsets)
	offsets = slices.Compact(offsets)
	rc, err := open()
	if err != nil {
		return err
	}
	defer rc.Close()
	pos, err := lineColumns(rc, offsets)
	if err != nil {
		return err
	}
	for _, p := range mine {
		if lc, ok := pos[p.offset]; ok && p.offset >= 0 {
			p.Line, p.Column = lc[0], lc[1]
		}
	}
	return nil
}

// syntaxPointers gives syntax errors the pointer a token-by-token read
// reports. The parser reads most values whole, and a decoder that fails
// inside a value read whole may not know the member it was in (the pointer
// then ends in an empty token, depending on where its buffer broke).
func syntaxPointers(problems []*Problem, open func() (io.ReadCloser, error)) error {
	var syn []*Problem
	for _, p := range problems {
		if p.syntax {
			syn = append(syn, p)
		}
	}
	if len(syn) == 0 {
		return nil
	}
	rc, err := open()
	if err != nil {
		return err
	}
	defer rc.Close()
	dec := jsontext.NewDecoder(rc)
	for {
		_, err := dec.ReadToken()
		if err == nil {
			continue
		}
		var se *jsontext.SyntacticError
		if errors.As(err, &se) {
			for _, p := range syn {
				p.Pointer, p.syntax = string(se.JSONPointer), false
			}
		}
		return nil
	}
}

// ptrNode is a trie of wanted pointers.
type ptrNode struct {
	children map[string]*ptrNode
	off      int64
	refine   []int64          // offsets inside this value whose exact pointer is wanted
	refined  map[int64]string // root only: offset -> pointer found
	root     *ptrNode
}

func (n *ptrNode) add(tokens []string) *ptrNode {
	root := n
	if root.refined == nil {
		root.refined = map[int64]string{}
	}
	for _, t := range tokens {
		if n.children == nil {
			n.children = map[string]*ptrNode{}
		}
		c := n.children[t]
		if c == nil {
			c = &ptrNode{off: -1, root: root}
			n.children[t] = c
		}
		n = c
	}
	return n
}

// find returns the offset of the deepest resolved node on the path.
func (n *ptrNode) find(tokens []string) int64 {
	best := n.off
	for _, t := range tokens {
		n = n.children[t]
		if n == nil {
			break
		}
		if n.off >= 0 {
			best = n.off
		}
	}
	if best < 0 {
		return 0
	}
	return best
}

// walk reads the value at the decoder's position, recording its offset and
// descending only into wanted members and elements.
func (n *ptrNode) walk(dec *jsontext.Decoder) error {
	if len(n.refine) > 0 && len(n.children) == 0 {
		return n.narrow(dec)
	}
	if len(n.children) == 0 {
		v, err := dec.ReadValue()
		if err != nil {
			return err
		}
		n.off = dec.InputOffset() - int64(len(v))
		return nil
	}
	switch dec.PeekKind() {
	case '{':
		if _, err := dec.ReadToken(); err != nil {
			return err
		}
		n.off = dec.InputOffset() - 1
		for dec.PeekKind() != '}' {
			name, err := dec.ReadToken()
			if err != nil {
				return err
			}
			if err := n.next(dec, name.String()); err != nil {
				return err
			}
		}
		_, err := dec.ReadToken()
		return err
	case '[':
		if _, err := dec.ReadToken(); err != nil {
			return err
		}
		n.off = dec.InputOffset() - 1
		for i := 0; dec.PeekKind() != ']'; i++ {
			if err := n.next(dec, strconv.Itoa(i)); err != nil {
				return err
			}
		}
		_, err := dec.ReadToken()
		return err
	}
	v, err := dec.ReadValue()
	if err != nil {
		return err
	}
	n.off = dec.InputOffset() - int64(len(v))
	return nil
}

// narrow reads the value token by token and records, for each wanted
// offset, the pointer of the first token that ends after it.
func (n *ptrNode) narrow(dec *jsontext.Decoder) error {
	offs := slices.Clone(n.refine)
	slices.Sort(offs)
	depth := dec.StackDepth()
	for first := true; first || dec.StackDepth() > depth; first = false {
		if _, err := dec.ReadToken(); err != nil {
			return err
		}
		if first {
			n.off = dec.InputOffset() - 1
		}
		end := dec.InputOffset()
		for len(offs) > 0 && offs[0] < end {
			n.root.refined[offs[0]] = string(dec.StackPointer())
			offs = offs[1:]
		}
	}
	return nil
}

func (n *ptrNode) next(dec *jsontext.Decoder, token string) error {
	if c := n.children[token]; c != nil {
		return c.walk(dec)
	}
	return dec.SkipValue()
}

// lineColumns maps sorted byte offsets to 1-based line and column; columns
// count characters, not bytes.
func lineColumns(r io.Reader, offsets []int64) (map[int64][2]int, error) {
	out := make(map[int64][2]int, len(offsets))
	br := bufio.NewReaderSize(r, 64<<10)
	line, col := 1, 1
	var pos int64
	k := 0
	for k < len(offsets) {
		for k < len(offsets) && offsets[k] <= pos {
			out[offsets[k]] = [2]int{line, col}
			k++
		}
		if k == len(offsets) {
			break
		}
		b, err := br.ReadByte()
		if err == io.EOF {
			for ; k < len(offsets); k++ { // past the end: the end of the file
				out[offsets[k]] = [2]int{line, col}
			}
			break
		}
		if err != nil {
			return nil, err
		}
		pos++
		switch {
		case b == '\n':
			line, col = line+1, 1
		case b < utf8.RuneSelf || b >= 0xC0: // one character starts here
			col++
		}
	}
	return out, nil
}
