package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"gorm.io/gorm"

	"github.com/jiandu/jiandu/api"
	"github.com/jiandu/jiandu/internal/auth"
	"github.com/jiandu/jiandu/internal/config"
	"github.com/jiandu/jiandu/internal/db"
	"github.com/jiandu/jiandu/schemas"
)

// runPassword sets an official's web password: a random temporary one, printed once, that
// must be changed at the first login; or, with -stdin, the first line of standard input.
func runPassword(ctx context.Context, cfg config.Config, args []string, stdin io.Reader, stdout io.Writer) error {
	fs := flag.NewFlagSet("password", flag.ContinueOnError)
	fromStdin := fs.Bool("stdin", false, "read the password from the first line of standard input")
	keep := fs.Bool("no-change", false, "do not require a change at the next login")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return errors.New("usage: jiandu password [-stdin] [-no-change] <official-id>")
	}
	id := fs.Arg(0)
	pw := auth.RandomPassword()
	if *fromStdin {
		line, err := bufio.NewReader(stdin).ReadString('\n')
		if err != nil && !errors.Is(err, io.EOF) {
			return err
		}
		pw = strings.TrimRight(line, "\r\n")
		if msg := auth.PasswordIssue(id, pw); msg != "" {
			return fmt.Errorf("password refused: %s", msg)
		}
	}
	gdb, err := db.Open(cfg.DatabaseURL)
	if err != nil {
		return err
	}
	defer db.Close(gdb)
	if err := checkSchema(gdb); err != nil {
		return err
	}
	var o schemas.Official
	if err := gdb.WithContext(ctx).First(&o, "id = ?", id).Error; err != nil {
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return fmt.Errorf("no official %q", id)
		}
		return err
	}
	if err := api.SetPassword(ctx, gdb, id, pw, !*keep); err != nil {
		return err
	}
	if *fromStdin {
		fmt.Fprintf(stdout, "password of %s set; their web sessions ended\n", id)
		return nil
	}
	fmt.Fprintf(stdout, "temporary password of %s (shown once; to be changed at the first login): %s\n", id, pw)
	return nil
}
