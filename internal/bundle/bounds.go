package bundle

import (
	"io"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/botport/botport/internal/botdef"
)

// DefaultMaxTotal is the most bytes one import's files may hold together
// unless Options.MaxTotal says otherwise: the uploads' sizes, or a zip's
// declared uncompressed sizes (exportzip bounds those itself).
const DefaultMaxTotal = 1 << 30

// checkBounds reports, from the files' sizes alone and before a byte is
// read, the bounds the upload breaks: the total, the icon, the scripts
// (count, each, all) and the scripts' names. It reports whether it found
// any; the upload is then not read.
func checkBounds(b *Bundle, maxTotal int64, ps *botdef.Problems) bool {
	before := ps.ErrorCount()
	add := func(file, code, msg string) {
		ps.Add(&botdef.Problem{File: file, Code: code, Message: msg})
	}
	total := b.Definition.Size + b.Config.Size
	if b.Icon != nil {
		total += b.Icon.Size
		if b.Icon.Size > botdef.MaxIcon {
			add(b.Icon.Name, "too_large", "the icon has "+bytesOf(b.Icon.Size)+"; the limit is "+bytesOf(botdef.MaxIcon))
		}
	}
	if n := len(b.Functions); n > botdef.MaxFunctions {
		add(b.Functions[botdef.MaxFunctions].Name, "too_many_files",
			strconv.Itoa(n)+" bot functions files; the limit is "+strconv.Itoa(botdef.MaxFunctions))
	}
	var scripts int64
	seen := map[string]bool{}
	for _, f := range b.Functions {
		total += f.Size
		scripts += f.Size
		if f.Size > botdef.MaxScript {
			add(f.Name, "too_large", "the bot functions file has "+bytesOf(f.Size)+"; the limit is "+bytesOf(botdef.MaxScript))
		}
		if msg := botdef.FunctionNameProblem(f.Name); msg != "" {
			add(f.Name, "bad_file_name", msg)
		}
		// Names are unique regardless of case: the export zip holds them
		// side by side, and zips are read case-insensitively.
		if key := strings.ToLower(f.Name); seen[key] {
			add(f.Name, "duplicate_file", "two bot functions files are named "+f.Name)
		} else {
			seen[key] = true
		}
	}
	if scripts > botdef.MaxScripts {
		add(b.Functions[0].Name, "too_large", "the bot functions files hold "+bytesOf(scripts)+"; the limit is "+bytesOf(botdef.MaxScripts))
	}
	if maxTotal > 0 && total > maxTotal {
		add(b.Definition.Name, "too_large", "the import's files hold "+bytesOf(total)+"; the limit is "+bytesOf(maxTotal))
	}
	return ps.ErrorCount() > before
}

func bytesOf(n int64) string { return strconv.FormatInt(n, 10) + " bytes" }

// readBounded reads a whole source of at most limit bytes; a longer one is
// an *Error (its declared size was checked: this catches a file that grew).
func readBounded(s Source, limit int64) ([]byte, error) {
	rc, err := s.Open()
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	b, err := io.ReadAll(io.LimitReader(rc, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > limit {
		return nil, &Error{s.Name + " is larger than " + bytesOf(limit)}
	}
	return b, nil
}

// ReadScript reads a bot-functions script whole: at most botdef.MaxScript
// bytes, so one script at a time is all an import holds of them.
func ReadScript(s Source) ([]byte, error) { return readBounded(s, botdef.MaxScript) }

// validText reports whether a source is UTF-8 text, reading it in small
// pieces (at most limit bytes).
func validText(s Source, limit int64) (bool, error) {
	rc, err := s.Open()
	if err != nil {
		return false, err
	}
	defer rc.Close()
	r := io.LimitReader(rc, limit+1)
	buf := make([]byte, 64<<10)
	carry, read := 0, int64(0)
	for {
		n, err := r.Read(buf[carry:])
		read += int64(n)
		if read > limit {
			return false, &Error{s.Name + " is larger than " + bytesOf(limit)}
		}
		end := carry + n
		// Keep an incomplete rune at the end for the next read.
		valid := end
		if err == nil {
			for k := 1; k < utf8.UTFMax && end-k >= 0; k++ {
				if utf8.RuneStart(buf[end-k]) {
					if !utf8.FullRune(buf[end-k : end]) {
						valid = end - k
					}
					break
				}
			}
		}
		if !utf8.Valid(buf[:valid]) {
			return false, nil
		}
		carry = copy(buf, buf[valid:end])
		if err == io.EOF {
			return carry == 0, nil
		}
		if err != nil {
			return false, err
		}
	}
}
