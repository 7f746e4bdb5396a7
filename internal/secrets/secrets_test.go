package secrets

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

func TestSealOpenRotate(t *testing.T) {
	old, _ := NewKey("k0")
	cur, _ := NewKey("k1")
	r0, err := Parse(old)
	if err != nil {
		t.Fatal(err)
	}
	kid, sealed, err := r0.Seal([]byte("张三 13800000000"), []byte("report-2026-0001"))
	if err != nil || kid != "k0" {
		t.Fatal(kid, err)
	}
	if bytes.Contains(sealed, []byte("138")) {
		t.Fatal("plaintext visible")
	}
	r1, err := Parse(cur + "," + old)
	if err != nil || r1.CurrentID() != "k1" {
		t.Fatal(err)
	}
	got, err := r1.Open(kid, sealed, []byte("report-2026-0001"))
	if err != nil || string(got) != "张三 13800000000" {
		t.Fatalf("%q %v", got, err)
	}
	if _, err := r1.Open(kid, sealed, []byte("report-2026-0002")); err == nil {
		t.Fatal("opened under another row's aad")
	}
	only, _ := Parse(cur)
	if _, err := only.Open(kid, sealed, nil); !errors.Is(err, ErrNoKey) {
		t.Fatalf("missing key: %v", err)
	}
}

func TestParseRejects(t *testing.T) {
	for _, spec := range []string{"", "nokey", "k:c2hvcnQ=", "k 1:AAAA", "k:" + strings.Repeat("A", 44) + ",k:" + strings.Repeat("A", 44)} {
		if _, err := Parse(spec); err == nil {
			t.Errorf("%q parsed", spec)
		} else if strings.Contains(err.Error(), "AAAA") {
			t.Errorf("error shows key material: %v", err)
		}
	}
}
