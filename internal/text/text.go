// Package text is Jiandu's one rule for text that people type: what characters it may hold and
// how its length is counted. The API applies it to every string of every request (api/clean.go)
// and the case workflows to every step form (workflows/humanstep.go), so a field is judged the
// same way wherever it enters.
package text

import (
	"fmt"
	"unicode"
	"unicode/utf8"
)

// Control returns the first control character of s other than newline and tab: NUL, the other
// C0 controls, DEL and the C1 controls. ok is false when s has none.
func Control(s string) (r rune, ok bool) {
	for _, r := range s {
		if r != '\n' && r != '\t' && unicode.IsControl(r) {
			return r, true
		}
	}
	return 0, false
}

// Invisible reports whether r shows nothing by itself: white space, control and format
// characters (zero-width spaces and joiners, bidi embeddings, overrides and isolates, the BOM,
// the soft hyphen, tag characters) and the other default-ignorable or blank code points that
// render as nothing (variation selectors, fillers, the braille blank).
func Invisible(r rune) bool {
	switch {
	case unicode.IsSpace(r), unicode.IsControl(r), unicode.Is(unicode.Cf, r):
		return true
	case r == 0x034F, // combining grapheme joiner
		r == 0x115F, r == 0x1160, r == 0x3164, r == 0xFFA0, // Hangul fillers
		r == 0x17B4, r == 0x17B5, // Khmer inherent vowels
		r >= 0x180B && r <= 0x180F,                               // Mongolian variation selectors and vowel separator
		r == 0x2800,                                              // braille pattern blank
		r >= 0xFE00 && r <= 0xFE0F, r >= 0xE0100 && r <= 0xE01EF, // variation selectors
		r == 0xFFFC,                  // object replacement character
		r >= 0xE0000 && r <= 0xE0FFF: // tags and unassigned default-ignorables
		return true
	}
	return false
}

// Visible counts the characters of s that show something.
func Visible(s string) int {
	n := 0
	for _, r := range s {
		if !Invisible(r) {
			n++
		}
	}
	return n
}

// Len is the length that maximums are counted in: Unicode code points, as JSON Schema's
// maxLength counts them.
func Len(s string) int { return utf8.RuneCountInString(s) }

// Check applies the rule to one field and returns what is wrong with s in Chinese, or "":
// no control character but newline and tab; at least min visible characters (min 1 for a
// required field, so that text of only invisible characters is no answer); at most max
// characters (0: no maximum).
func Check(s string, min, max int) string {
	if r, bad := Control(s); bad {
		return fmt.Sprintf("不得含有控制字符（发现 U+%04X）", r)
	}
	if max > 0 && Len(s) > max {
		return fmt.Sprintf("不超过%d字", max)
	}
	if min > 0 && Visible(s) < min {
		if min == 1 {
			return "必填，不能只含空白或不可见字符"
		}
		return fmt.Sprintf("至少%d个可见字符（空白和不可见字符不计）", min)
	}
	return ""
}
