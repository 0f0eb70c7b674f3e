package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/tutanak/tutanak/review"
)

func runUsers(ctx context.Context, e env) error {
	if len(e.args) == 0 || e.args[0] != "add" {
		fmt.Fprintln(e.stderr, "usage: tutanak users add --name NAME --role observer|entry|lawyer|legal|admin [--province İL] [--password]")
		return fmt.Errorf("%w: users needs a subcommand (add)", errUsage)
	}
	var cfg backendConfig
	fs := newFlagSet("users add", e)
	cfg.register(fs)
	name := fs.String("name", "", "the user's name (unique)")
	role := fs.String("role", "", "observer, entry, lawyer, legal or admin")
	province := fs.String("province", "", "limit the user to one province (il); not for admins")
	password := fs.Bool("password", false, "read a password from the first line of standard input")
	if err := fs.Parse(e.args[1:]); err != nil {
		return err
	}
	var problems []error
	if strings.TrimSpace(*name) == "" {
		problems = append(problems, errors.New("--name is required"))
	}
	if !review.Role(*role).Valid() {
		problems = append(problems, fmt.Errorf("--role %q: want observer, entry, lawyer, legal or admin", *role))
	}
	if err := errors.Join(append(problems, cfg.Validate())...); err != nil {
		return err
	}
	nu := review.NewUser{Name: *name, Role: review.Role(*role), Province: *province}
	if *password {
		pw, err := readPassword(os.Stdin)
		if err != nil {
			return err
		}
		nu.Password = pw
	}
	b, err := openBackend(ctx, cfg, e.log)
	if err != nil {
		return err
	}
	defer b.Close()
	u, token, err := b.svc.CreateUser(ctx, nu)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "created user %d %q (%s%s)\n", u.ID, u.Name, u.Role, provinceSuffix(u.Province))
	fmt.Fprintln(e.stdout, token)
	return nil
}

func provinceSuffix(p string) string {
	if p == "" {
		return ""
	}
	return ", " + p
}

func readPassword(r io.Reader) (string, error) {
	line, err := bufio.NewReader(r).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", fmt.Errorf("read password: %w", err)
	}
	pw := strings.TrimRight(line, "\r\n")
	if len(pw) < 8 {
		return "", errors.New("password: at least 8 characters")
	}
	return pw, nil
}
