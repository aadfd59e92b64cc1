package main

import (
	"flag"
	"io"
	"net/url"
	"os"
	"strings"
)

// maxSecretFile is the largest secret file read: a secret is a line, not a document.
const maxSecretFile = 64 << 10

// secretFlag is a secret a command takes from the environment, from a file, or — discouraged, since every
// user of the host can read a command line (ps, /proc/PID/cmdline) — from a flag value.
type secretFlag struct {
	name, env         string // the value flag and its variable
	fileName, fileEnv string // the file flag and its variable
	value, file       string
}

// newSecretFlag registers --name (env) and --name-file (env_FILE) on fs.
// what describes the secret in l.
func newSecretFlag(fs *flag.FlagSet, l lang, getenv func(string) string, name, env, what string) *secretFlag {
	s := &secretFlag{name: name, env: env, fileName: name + "-file", fileEnv: env + "_FILE"}
	fs.StringVar(&s.value, s.name, getenv(s.env), l.T("flag.secret", what, s.env, s.fileName))
	fs.StringVar(&s.file, s.fileName, getenv(s.fileEnv), l.T("flag.secret_file", what, s.fileEnv))
	return s
}

// resolve returns the secret once fs is parsed — from the command line before the environment, and at
// each level from the value or the file, never both — and whether it was a flag value on the command
// line. Conflicting sources and unreadable or empty files are usage errors.
func (s *secretFlag) resolve(fs *flag.FlagSet, l lang) (secret string, onCommandLine bool, err error) {
	var valueGiven, fileGiven bool
	fs.Visit(func(f *flag.Flag) {
		valueGiven = valueGiven || f.Name == s.name
		fileGiven = fileGiven || f.Name == s.fileName
	})
	switch {
	case valueGiven && fileGiven:
		return "", false, &usageError{l.T("secret_both_flags", s.name, s.fileName)}
	case fileGiven:
		v, err := readSecretFile(l, s.file, "--"+s.fileName)
		return v, false, err
	case valueGiven:
		return s.value, true, nil
	case s.value != "" && s.file != "":
		return "", false, &usageError{l.T("secret_both_env", s.env, s.fileEnv)}
	case s.file != "":
		v, err := readSecretFile(l, s.file, s.fileEnv)
		return v, false, err
	}
	return s.value, false, nil
}

// warning is the message for a secret given as a flag value.
func (s *secretFlag) warning(l lang) string {
	return l.T("secret_on_command_line", s.name, s.env, s.fileName)
}

// readSecretFile returns the content of the secret file path without surrounding white space (the
// trailing newline editors and `echo` add). source names where the path came from.
func readSecretFile(l lang, path, source string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", &usageError{l.T("secret_open", source, err)}
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxSecretFile+1))
	if err != nil {
		return "", &usageError{l.T("secret_read", source, path, err)}
	}
	if len(data) > maxSecretFile {
		return "", &usageError{l.T("secret_too_large", source, path, maxSecretFile>>10)}
	}
	v := strings.TrimSpace(string(data))
	if v == "" {
		return "", &usageError{l.T("secret_empty", source, path)}
	}
	return v, nil
}

// hasPassword reports whether the database URL dsn carries a password.
func hasPassword(dsn string) bool {
	u, err := url.Parse(dsn)
	if err != nil {
		return strings.Contains(dsn, "password")
	}
	if _, ok := u.User.Password(); ok {
		return true
	}
	return u.Query().Has("password")
}
