package botdef

import (
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"

	"github.com/go-json-experiment/json/jsontext"
)

// Options bound and tune parsing.
type Options struct {
	MaxProblems   int // problems kept per severity (default 100)
	ChunkElements int // utterances per record (default 1000)
	ChunkBytes    int // bytes per utterance record before it is cut (default 1 MiB)
	MaxRecord     int // largest record body (default MaxRecord)
}

func (o Options) withDefaults() Options {
	if o.MaxProblems <= 0 {
		o.MaxProblems = 100
	}
	if o.ChunkElements <= 0 {
		o.ChunkElements = 1000
	}
	if o.ChunkBytes <= 0 {
		o.ChunkBytes = 1 << 20
	}
	if o.MaxRecord <= 0 {
		o.MaxRecord = MaxRecord
	}
	return o
}

// chunked lists the members stored as runs of elements rather than one
// record per element: they are many and small, and have no identity of
// their own.
var chunked = map[string]bool{"sentences": true}

// ErrNotExport is the message for JSON that is not a Kore.ai bot export.
const ErrNotExport = "not a Kore.ai bot export"

// parser walks one JSON file as a stream of top-level members.
type parser struct {
	file string
	dec  *jsontext.Decoder
	read *countingReader // the decoder's source, for end-of-input offsets
	emit func(*Record) error
	opts Options
	ps   *Problems
	// onElement sees each element of an array member (raw, whitespace
	// included, valid until the next read) with its absolute start offset.
	// It returns the identity of the element's record.
	onElement func(member string, index int, raw jsontext.Value, start int64) (elemID, error)
	// onValue sees each member stored as a single record.
	onValue func(member string, raw jsontext.Value, start int64) error
	// onEvent sees each member of an object member stored per member.
	onEvent func(member, key string, raw jsontext.Value, start int64) error
	// onMember, when set, sees each top-level member's JSON kind.
	onMember func(member string, kind jsontext.Kind)
	// isObjectCollection says which object members are stored per member.
	isObjectCollection func(member string) bool
	// kindOf gives the record kind of an array member ("" for a setting).
	kindOf func(member string) string

	members []Member
	buf     []byte
	win     window // the value being read
}

// window is the value the parser reads next: where it starts and where it
// is in the file. The reader serves no byte past start+MaxRecord+slack,
// so a value too large to store is never buffered whole.
type window struct {
	start int64
	at    loc
}

// windowSlack is what a value's window holds beyond MaxRecord: the
// whitespace and separators before the value.
const windowSlack = 1 << 20

// errTooLarge is the reader's refusal to serve bytes past a window.
var errTooLarge = errors.New("value over the record limit")

// open starts the window of the value at at, which begins at the decoder's
// offset.
func (p *parser) open(at loc) {
	start := p.dec.InputOffset()
	p.win = window{start: start, at: at}
	p.read.limit = start + int64(p.opts.MaxRecord) + windowSlack
}

// tooLarge reports a record over the limit, located at its value.
func (p *parser) tooLarge(at loc, offset int64, n int) {
	what := "a value of " + strconv.Itoa(n) + " bytes"
	if n < 0 {
		what = "a value of more than " + strconv.Itoa(p.opts.MaxRecord) + " bytes"
	}
	p.ps.Add(&Problem{File: p.file, Pointer: at.ptr(), Code: "too_large", offset: offset,
		Message: what + "; the limit for one stored value is " + strconv.Itoa(p.opts.MaxRecord) + " bytes"})
}

// elemID is the identity of an element's record.
type elemID struct{ ident, refID, name string }

// errStop ends a walk after a problem that makes the rest meaningless.
var errStop = errors.New("stop")

// run parses the whole input. It returns nil when the input was read to its
// end, or when a content problem (recorded in ps) stopped it; any other
// error comes from the reader or from emit.
func (p *parser) run() error {
	err := p.walk()
	if errors.Is(err, errStop) {
		return nil
	}
	return err
}

func (p *parser) walk() error {
	tok, err := p.dec.ReadToken()
	if err != nil {
		return p.syntax(err)
	}
	if tok.Kind() != '{' {
		p.ps.Add(&Problem{File: p.file, Pointer: "", Code: "not_an_export", Message: ErrNotExport + ": the file is not a JSON object", offset: 0})
		return errStop
	}
	for {
		if p.dec.PeekKind() == '}' {
			break
		}
		p.open(loc{index: -1})
		name, err := p.dec.ReadToken()
		if err != nil {
			return p.syntax(err)
		}
		member := name.String()
		p.win.at.member = member
		checkName(p.ps, p.file, loc{member: member, index: -1}, "a member name", member, -1)
		kind := p.dec.PeekKind()
		if p.onMember != nil {
			p.onMember(member, kind)
		}
		switch {
		case kind == '[' && p.kindOf(member) != "":
			err = p.array(member)
		case kind == '{' && p.isObjectCollection(member):
			err = p.object(member)
		default:
			err = p.value(member)
		}
		if err != nil {
			return err
		}
	}
	if _, err := p.dec.ReadToken(); err != nil {
		return p.syntax(err)
	}
	// Where trailing data starts: after the whitespace already buffered.
	start := p.dec.InputOffset()
	ub := p.dec.UnreadBuffer()
	n := 0
	for n < len(ub) && (ub[n] == ' ' || ub[n] == '\t' || ub[n] == '\n' || ub[n] == '\r') {
		n++
	}
	known := n < len(ub)
	if _, err := p.dec.ReadToken(); err != io.EOF {
		if err == nil {
			off := p.dec.InputOffset()
			if known {
				off = start + int64(n)
			}
			err = &jsontext.SyntacticError{ByteOffset: off, Err: errors.New("unexpected data after the top-level object")}
		}
		return p.syntax(err)
	}
	return nil
}

// compact appends v without whitespace to a new slice the record owns.
func (p *parser) compact(v jsontext.Value) ([]byte, error) {
	out, err := jsontext.AppendFormat(make([]byte, 0, len(v)), v, jsontext.AllowDuplicateNames(true), jsontext.AllowInvalidUTF8(true))
	if err != nil {
		return nil, err
	}
	return out, nil
}

func (p *parser) value(member string) error {
	v, err := p.dec.ReadValue()
	if err != nil {
		return p.syntax(err)
	}
	start := p.dec.InputOffset() - int64(len(v))
	if err := p.bounded(v, start, loc{member: member, index: -1}, 1); err != nil {
		return err
	}
	if err := p.onValue(member, v, start); err != nil {
		return err
	}
	body, err := p.compact(v)
	if err != nil {
		return err
	}
	p.members = append(p.members, Member{Name: member, Shape: ShapeValue})
	if len(body) > p.opts.MaxRecord {
		p.tooLarge(loc{member: member, index: -1}, start, len(body))
		return nil
	}
	return p.emit(&Record{File: p.file, Member: member, Kind: KindSetting, Ident: member, Name: member, Body: body})
}

func (p *parser) array(member string) error {
	if _, err := p.dec.ReadToken(); err != nil { // [
		return p.syntax(err)
	}
	p.members = append(p.members, Member{Name: member, Shape: ShapeArray})
	kind := p.kindOf(member)
	chunk := chunked[member]
	seq, index, inChunk := 0, 0, 0
	flush := func() error {
		if inChunk == 0 {
			return nil
		}
		body := append([]byte(nil), p.buf...)
		body = append(body, ']')
		r := &Record{File: p.file, Member: member, Seq: seq, Kind: kind, Ident: member + "#" + strconv.Itoa(seq), Count: inChunk, Body: body}
		seq++
		inChunk = 0
		return p.emit(r)
	}
	for {
		p.open(loc{member: member, index: index})
		if p.dec.PeekKind() == ']' {
			break
		}
		v, err := p.dec.ReadValue()
		if err != nil {
			return p.syntax(err)
		}
		start := p.dec.InputOffset() - int64(len(v))
		at := loc{member: member, index: index}
		if err := p.bounded(v, start, at, 2); err != nil {
			return err
		}
		id, err := p.onElement(member, index, v, start)
		if err != nil {
			return err
		}
		if chunk {
			// A chunk holds whole elements and stays within the record
			// limit: one that would pass it is written first.
			if inChunk > 0 && len(p.buf)+1+len(v)+1 > p.opts.MaxRecord {
				if err := flush(); err != nil {
					return err
				}
			}
			if len(v)+2 > p.opts.MaxRecord {
				p.tooLarge(at, start, len(v))
				index++
				continue
			}
			if inChunk == 0 {
				p.buf = append(p.buf[:0], '[')
			} else {
				p.buf = append(p.buf, ',')
			}
			if p.buf, err = jsontext.AppendFormat(p.buf, v, jsontext.AllowDuplicateNames(true), jsontext.AllowInvalidUTF8(true)); err != nil {
				return err
			}
			inChunk++
			if inChunk >= p.opts.ChunkElements || len(p.buf) >= p.opts.ChunkBytes {
				if err := flush(); err != nil {
					return err
				}
			}
		} else {
			body, err := p.compact(v)
			if err != nil {
				return err
			}
			checkName(p.ps, p.file, at, "an identity", id.ident, -1)
			checkName(p.ps, p.file, at, "a refId", id.refID, -1)
			checkName(p.ps, p.file, at, "a name", id.name, -1)
			if id.ident == "" {
				id.ident = member + "#" + strconv.Itoa(index)
			}
			if len(body) > p.opts.MaxRecord {
				p.tooLarge(at, start, len(body))
				index++
				continue
			}
			if err := p.emit(&Record{File: p.file, Member: member, Seq: seq, Kind: kind, Ident: id.ident, RefID: id.refID, Name: id.name, Count: 1, Body: body}); err != nil {
				return err
			}
			seq++
		}
		index++
	}
	if err := flush(); err != nil {
		return err
	}
	if _, err := p.dec.ReadToken(); err != nil { // ]
		return p.syntax(err)
	}
	return nil
}

func (p *parser) object(member string) error {
	if _, err := p.dec.ReadToken(); err != nil { // {
		return p.syntax(err)
	}
	p.members = append(p.members, Member{Name: member, Shape: ShapeObject})
	seq := 0
	for {
		p.open(loc{member: member, index: -1})
		if p.dec.PeekKind() == '}' {
			break
		}
		name, err := p.dec.ReadToken()
		if err != nil {
			return p.syntax(err)
		}
		key := name.String()
		p.win.at.key = key
		v, err := p.dec.ReadValue()
		if err != nil {
			return p.syntax(err)
		}
		start := p.dec.InputOffset() - int64(len(v))
		at := loc{member: member, index: -1, key: key}
		checkName(p.ps, p.file, loc{member: member, index: -1}, "a member name", key, -1)
		if err := p.bounded(v, start, at, 2); err != nil {
			return err
		}
		if err := p.onEvent(member, key, v, start); err != nil {
			return err
		}
		body, err := p.compact(v)
		if err != nil {
			return err
		}
		if len(body) > p.opts.MaxRecord {
			p.tooLarge(at, start, len(body))
			continue
		}
		if err := p.emit(&Record{File: p.file, Member: member, Seq: seq, Kind: KindEvent, Ident: key, Name: key, Body: body}); err != nil {
			return err
		}
		seq++
	}
	if _, err := p.dec.ReadToken(); err != nil { // }
		return p.syntax(err)
	}
	return nil
}

// syntax turns a decoder error into a located problem. Errors that are not
// about the JSON text (the reader failed) are returned unchanged.
func (p *parser) syntax(err error) error {
	var se *jsontext.SyntacticError
	switch {
	case errors.Is(err, errTooLarge):
		p.tooLarge(p.win.at, p.win.start, -1)
		return errStop
	case errors.As(err, &se):
		msg, off := syntaxMessage(se.Err), se.ByteOffset
		if errors.Is(se.Err, io.ErrUnexpectedEOF) {
			msg, off = "unexpected end of input", p.read.n
		} else if errors.Is(se.Err, jsontext.ErrDuplicateName) {
			msg = "duplicate object member name"
		}
		code := "syntax_error"
		if errors.Is(se.Err, jsontext.ErrDuplicateName) {
			code = "duplicate_member"
		}
		p.ps.Add(&Problem{File: p.file, Pointer: string(se.JSONPointer), Code: code, Message: msg, offset: off, syntax: true})
		return errStop
	case errors.Is(err, io.ErrUnexpectedEOF), err == io.EOF:
		p.ps.Add(&Problem{File: p.file, Pointer: string(p.dec.StackPointer()), Code: "syntax_error", Message: "unexpected end of input", offset: p.read.n})
		return errStop
	}
	return fmt.Errorf("read %s: %w", p.file, err)
}

// quoted matches the input text a JSON library error quotes: `…` or "…".
var quoted = regexp.MustCompile("`[^`]*`|\"(?:[^\"\\\\]|\\\\.)*\"")

// syntaxMessage is a decoder error's text without the input it quotes: the
// text may be part of a secret (an invalid escape inside an API token). A
// quoted single character ('x') stays: it says what was wrong and reveals
// nothing.
func syntaxMessage(err error) string {
	msg := quoted.ReplaceAllString(err.Error(), "")
	return strings.Join(strings.Fields(msg), " ")
}

// countingReader counts the bytes its reader returned.
type countingReader struct {
	r     io.Reader
	n     int64
	limit int64 // serve no byte at or past this offset (0: no limit)
}

func (c *countingReader) Read(b []byte) (int, error) {
	if c.limit > 0 {
		if c.n >= c.limit {
			return 0, errTooLarge
		}
		if rest := c.limit - c.n; int64(len(b)) > rest {
			b = b[:rest]
		}
	}
	n, err := c.r.Read(b)
	c.n += int64(n)
	return n, err
}

// newParser returns a parser of r for file; callers set the hooks.
func newParser(file string, r io.Reader, emit func(*Record) error, ps *Problems, opts Options) *parser {
	cr := &countingReader{r: r}
	return &parser{file: file, dec: jsontext.NewDecoder(cr), read: cr, emit: emit, opts: opts.withDefaults(), ps: ps}
}
