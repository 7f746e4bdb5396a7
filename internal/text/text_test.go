package text

import (
	"strings"
	"testing"
)

func TestCheck(t *testing.T) {
	for _, c := range []struct {
		name     string
		s        string
		min, max int
		bad      bool
	}{
		{"plain", "关于张三同志任职前公示", 1, 200, false},
		{"newline and tab", "第一行\n\t第二行", 1, 200, false},
		{"Mongolian with its variation selector", "ᠮᠣᠩᠭᠣᠯ\u180b", 1, 200, false},
		{"NUL", "正常\x00文本", 0, 200, true},
		{"carriage return", "a\rb", 0, 200, true},
		{"escape", "a\x1b[31m", 0, 200, true},
		{"DEL", "a\x7f", 0, 200, true},
		{"C1 control", "a\u0085b", 0, 200, true},
		{"over max", strings.Repeat("长", 201), 0, 200, true},
		{"at max", strings.Repeat("长", 200), 0, 200, false},
		{"empty optional", "", 0, 200, false},
		{"empty required", "", 1, 200, true},
		{"spaces", " \u3000 ", 1, 200, true},
		{"zero-width", "\u200b\u200c\u200d\u2060\ufeff", 1, 200, true},
		{"bidi overrides", "\u202e\u202d\u2066\u2069\u200f", 1, 200, true},
		{"fillers and blanks", "\u3164\u2800\ufe0f\u034f", 1, 200, true},
		{"tags", "\U000e0041\U000e0042", 1, 200, true},
		{"one visible among invisibles", "\u200b甲\u202e", 1, 200, false},
		{"minimum counts visible only", "甲乙丙\u200b\u200b\u200b\u200b\u200b\u200b\u200b", 10, 5000, true},
	} {
		msg := Check(c.s, c.min, c.max)
		if (msg != "") != c.bad {
			t.Errorf("%s: Check(%q, %d, %d) = %q, want bad=%v", c.name, c.s, c.min, c.max, msg, c.bad)
		}
	}
}
