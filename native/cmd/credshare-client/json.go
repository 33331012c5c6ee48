package main

import (
	"strconv"
	"unicode/utf8"
)

// Just enough JSON for the protocol's few flat messages, instead of encoding/json: that
// package brings reflection, which costs start-up time and memory on every helper call.
// The client writes one object ({"protocol":1,"build":...,"argv":[...],"env":{...},
// "cwd":...}) and reads three kinds of flat objects ({"protocol":1,"build":"..."},
// {"reason":"...","message":"..."}, {"code":N}).

// appendString appends s as a JSON string. s must be valid UTF-8 (the caller checks:
// an argument that is not falls back to the Node CLI, which receives it unchanged).
func appendString(buf []byte, s string) []byte {
	const hex = "0123456789abcdef"
	buf = append(buf, '"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"' || c == '\\':
			buf = append(buf, '\\', c)
		case c == '\n':
			buf = append(buf, '\\', 'n')
		case c == '\r':
			buf = append(buf, '\\', 'r')
		case c == '\t':
			buf = append(buf, '\\', 't')
		case c < 0x20:
			buf = append(buf, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
		default:
			buf = append(buf, c)
		}
	}
	return append(buf, '"')
}

// request is the Q frame's payload.
type request struct {
	build string
	argv  []string
	env   [][2]string
	cwd   string
	// stdinFollows: standard input is sent unasked, right behind the request.
	stdinFollows bool
}

func (q request) validUTF8() bool {
	all := append([]string{q.build, q.cwd}, q.argv...)
	for _, kv := range q.env {
		all = append(all, kv[0], kv[1])
	}
	for _, s := range all {
		if !utf8.ValidString(s) {
			return false
		}
	}
	return true
}

func (q request) encode() []byte {
	buf := []byte(`{"protocol":1,"build":`)
	buf = appendString(buf, q.build)
	buf = append(buf, `,"argv":[`...)
	for i, a := range q.argv {
		if i > 0 {
			buf = append(buf, ',')
		}
		buf = appendString(buf, a)
	}
	buf = append(buf, `],"env":{`...)
	for i, kv := range q.env {
		if i > 0 {
			buf = append(buf, ',')
		}
		buf = appendString(buf, kv[0])
		buf = append(buf, ':')
		buf = appendString(buf, kv[1])
	}
	buf = append(buf, `},"cwd":`...)
	buf = appendString(buf, q.cwd)
	if q.stdinFollows {
		buf = append(buf, `,"stdinFollows":true`...)
	}
	return append(buf, '}')
}

// flatObject reads a JSON object whose values are strings, numbers, booleans or null
// (nested values are skipped), into raw strings: decoded for strings, the literal text
// for the rest. ok is false for anything that is not such an object.
func flatObject(data []byte) (fields map[string]string, ok bool) {
	p := parser{data: data}
	fields = map[string]string{}
	p.space()
	if !p.eat('{') {
		return nil, false
	}
	p.space()
	if p.eat('}') {
		return fields, p.end()
	}
	for {
		p.space()
		key, ok := p.str()
		if !ok {
			return nil, false
		}
		p.space()
		if !p.eat(':') {
			return nil, false
		}
		p.space()
		value, ok := p.value()
		if !ok {
			return nil, false
		}
		fields[key] = value
		p.space()
		if p.eat('}') {
			return fields, p.end()
		}
		if !p.eat(',') {
			return nil, false
		}
	}
}

type parser struct {
	data []byte
	pos  int
}

func (p *parser) space() {
	for p.pos < len(p.data) && (p.data[p.pos] == ' ' || p.data[p.pos] == '\t' || p.data[p.pos] == '\n' || p.data[p.pos] == '\r') {
		p.pos++
	}
}

func (p *parser) eat(c byte) bool {
	if p.pos < len(p.data) && p.data[p.pos] == c {
		p.pos++
		return true
	}
	return false
}

func (p *parser) end() bool {
	p.space()
	return p.pos == len(p.data)
}

func (p *parser) str() (string, bool) {
	if !p.eat('"') {
		return "", false
	}
	var out []byte
	for p.pos < len(p.data) {
		c := p.data[p.pos]
		p.pos++
		switch {
		case c == '"':
			return string(out), true
		case c == '\\':
			if p.pos >= len(p.data) {
				return "", false
			}
			e := p.data[p.pos]
			p.pos++
			switch e {
			case '"', '\\', '/':
				out = append(out, e)
			case 'n':
				out = append(out, '\n')
			case 'r':
				out = append(out, '\r')
			case 't':
				out = append(out, '\t')
			case 'b':
				out = append(out, '\b')
			case 'f':
				out = append(out, '\f')
			case 'u':
				if p.pos+4 > len(p.data) {
					return "", false
				}
				r, err := strconv.ParseUint(string(p.data[p.pos:p.pos+4]), 16, 32)
				if err != nil {
					return "", false
				}
				p.pos += 4
				out = utf8.AppendRune(out, rune(r))
			default:
				return "", false
			}
		case c < 0x20:
			return "", false
		default:
			out = append(out, c)
		}
	}
	return "", false
}

// value reads a string, a number, true, false or null; an array or object is skipped
// (depth-counted, strings respected) and stands as "".
func (p *parser) value() (string, bool) {
	if p.pos >= len(p.data) {
		return "", false
	}
	switch c := p.data[p.pos]; {
	case c == '"':
		return p.str()
	case c == '{' || c == '[':
		depth := 0
		for p.pos < len(p.data) {
			switch p.data[p.pos] {
			case '"':
				if _, ok := p.str(); !ok {
					return "", false
				}
				continue
			case '{', '[':
				depth++
			case '}', ']':
				depth--
			}
			p.pos++
			if depth == 0 {
				return "", true
			}
		}
		return "", false
	default:
		start := p.pos
		for p.pos < len(p.data) && p.data[p.pos] != ',' && p.data[p.pos] != '}' && p.data[p.pos] != ' ' && p.data[p.pos] != '\n' && p.data[p.pos] != '\r' && p.data[p.pos] != '\t' {
			p.pos++
		}
		literal := string(p.data[start:p.pos])
		return literal, literal != ""
	}
}
