package botdef

import (
	"io"
	"strconv"

	"github.com/go-json-experiment/json/jsontext"
)

// Config is what parsing config.json learned.
type Config struct {
	Members []Member
	Name    string
	envKeys map[string]bool
	nsUsers []nsUse
	hasName bool
	hasEnv  bool
}

// EnvKeys lists the environment variable keys, for reference checks.
func (c *Config) EnvKeys() map[string]bool { return c.envKeys }

// ParseConfig reads config.json ({"name", "envVariables": [...]}) and emits
// its records: name as a setting, each environment variable as a record
// identified by its key. Environment values are secrets: they go to records
// and nowhere else, and no problem message quotes them.
func ParseConfig(r io.Reader, emit func(*Record) error, ps *Problems) (*Config, error) {
	c := &Config{envKeys: map[string]bool{}}
	p := newParser(FileConfig, r, emit, ps, Options{})
	p.isObjectCollection = func(string) bool { return false }
	p.kindOf = func(m string) string {
		if m == "envVariables" {
			return KindEnvVariable
		}
		return ""
	}
	p.onValue = func(member string, raw jsontext.Value, start int64) error {
		switch member {
		case "name":
			c.hasName = true
			if raw.Kind() != '"' {
				ps.Add(&Problem{File: FileConfig, Pointer: "/name", Code: "wrong_type", offset: start,
					Message: "name must be a string, found " + kindName(raw.Kind())})
				return nil
			}
			var s str
			_ = s.UnmarshalJSON(raw)
			c.Name = string(s)
		case "envVariables":
			c.hasEnv = true
			if raw.Kind() != 'n' {
				ps.Add(&Problem{File: FileConfig, Pointer: "/envVariables", Code: "wrong_type", offset: start,
					Message: "envVariables must be an array, found " + kindName(raw.Kind())})
			}
		}
		return nil
	}
	p.onElement = func(member string, i int, raw jsontext.Value, start int64) (elemID, error) {
		c.hasEnv = true
		ptr := pointer(member, i)
		if raw.Kind() != '{' {
			ps.Add(&Problem{File: FileConfig, Pointer: ptr, Code: "wrong_type", offset: start,
				Message: "envVariables elements must be objects, found " + kindName(raw.Kind())})
			return elemID{}, nil
		}
		var v struct {
			Key   str            `json:"key"`
			Value jsontext.Value `json:"value"`
			NS    strs           `json:"vNameSpace"`
		}
		_ = unmarshal(raw, &v)
		key := string(v.Key)
		if k := v.Value.Kind(); len(v.Value) > 0 && k != '"' && k != 'n' {
			// The value is a secret: the message says what it is, never what it holds.
			ps.Add(&Problem{File: FileConfig, Pointer: ptr + "/value", Code: "wrong_type", offset: -1,
				Message: "environment variable " + strconv.Quote(key) + ": value must be a string, found " + kindName(k)})
		}
		switch {
		case key == "":
			ps.Add(&Problem{File: FileConfig, Pointer: ptr + "/key", Code: "missing_key", offset: -1,
				Message: "environment variable without a key"})
		case c.envKeys[key]:
			ps.Add(&Problem{File: FileConfig, Pointer: ptr + "/key", Code: "duplicate_key", offset: -1,
				Message: "environment variable " + strconv.Quote(key) + " is defined twice"})
		}
		c.envKeys[key] = true
		c.nsUsers = append(c.nsUsers, nsUse{file: FileConfig, ptr: ptr, what: "environment variable " + strconv.Quote(key), ns: v.NS})
		return elemID{key, "", key}, nil
	}
	if err := p.run(); err != nil {
		return nil, err
	}
	c.Members = p.members
	if ps.ErrorCount() == 0 && !c.hasName && !c.hasEnv && len(c.Members) > 0 {
		ps.Add(&Problem{File: FileConfig, Pointer: "", Code: "not_a_config", offset: 0,
			Message: "config.json must be an object with name and envVariables"})
	}
	return c, nil
}
