package main

import (
	"flag"
	"time"
)

// issuerFlags are --issuer and --grace: what serve writes into every code it signs, and what the commands
// that sign new licenses outside serve (codes import, codes activate) take from the same variables, so that
// their codes match serve's.
type issuerFlags struct {
	name  string
	grace string
}

func (f *issuerFlags) register(fs *flag.FlagSet, l lang, getenv func(string) string) {
	fs.StringVar(&f.name, "issuer", envOr(getenv, "LICENTIA_ISSUER", "licentia"), l.T("flag.issuer"))
	f.grace = envOr(getenv, "LICENTIA_GRACE", "0s")
	fs.Func("grace", l.T("flag.grace"), func(s string) error {
		f.grace = s
		return nil
	})
}

// resolve returns the issuer name and the grace, or a usage error for a bad grace; unregistered flags
// give serve's defaults.
func (f *issuerFlags) resolve(l lang) (string, time.Duration, error) {
	if f.name == "" && f.grace == "" {
		return "licentia", 0, nil
	}
	g, err := time.ParseDuration(f.grace)
	if err != nil || g < 0 {
		return "", 0, &usageError{l.T("bad_grace", f.grace)}
	}
	return f.name, g, nil
}
