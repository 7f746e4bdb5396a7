package auth

import (
	"strings"
	"testing"
)

func TestPasswordHashing(t *testing.T) {
	h, err := HashPassword("正确的密码-horse")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Fatalf("encoding %q", h)
	}
	if ok, err := CheckPassword(h, "正确的密码-horse"); !ok || err != nil {
		t.Fatalf("right password refused: %v", err)
	}
	if ok, _ := CheckPassword(h, "正确的密码-horsE"); ok {
		t.Fatal("wrong password accepted")
	}
	h2, _ := HashPassword("正确的密码-horse")
	if h2 == h {
		t.Fatal("same hash twice: no salt")
	}
	for _, bad := range []string{"", "plain", "$argon2i$v=19$m=1,t=1,p=1$AA$AA", "$argon2id$v=19$m=0,t=1,p=1$AA$AA"} {
		if ok, err := CheckPassword(bad, "x"); ok || err == nil {
			t.Errorf("%q: ok %v err %v", bad, ok, err)
		}
	}
	if PasswordIssue("wu.gang", "short") == "" || PasswordIssue("wu.gang.x1", "WU.GANG.X1") == "" || PasswordIssue("wu.gang", "long-enough-1") != "" {
		t.Fatal("password policy")
	}
	if p := RandomPassword(); len(p) != 16 || PasswordIssue("x", p) != "" {
		t.Fatalf("random password %q", p)
	}
}
