package api

import (
	"testing"
	"time"
)

func TestLimiterRefills(t *testing.T) {
	l := newLimiter(RateLimit{Burst: 2, Per: time.Minute}) // one token per 30 s
	now := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	for i := 0; i < 2; i++ {
		if _, ok := l.allow("10.0.0.1", now); !ok {
			t.Fatalf("request %d refused", i)
		}
	}
	wait, ok := l.allow("10.0.0.1", now)
	if ok || wait != "30" {
		t.Fatalf("third request: ok %v, retry after %q", ok, wait)
	}
	if _, ok := l.allow("10.0.0.2", now); !ok {
		t.Fatal("another address was refused")
	}
	if _, ok := l.allow("10.0.0.1", now.Add(31*time.Second)); !ok {
		t.Fatal("not refilled")
	}
}

func TestQueryCodesAndSecrets(t *testing.T) {
	a, b := randomCode(queryCodeLen), randomCode(queryCodeLen)
	if len(a) != queryCodeLen || a == b {
		t.Fatalf("codes %q %q", a, b)
	}
	h1, err := hashSecret("s3cret", "salt-1")
	if err != nil {
		t.Fatal(err)
	}
	h2, _ := hashSecret("s3cret", "salt-2")
	h3, _ := hashSecret("s3cret", "salt-1")
	if h1 == h2 || h1 != h3 || len(h1) != 64 {
		t.Fatalf("hashes %s %s %s", h1, h2, h3)
	}
}
