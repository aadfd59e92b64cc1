package main

import (
	"flag"
	"strconv"
	"time"

	"github.com/licentia/licentia/server/licensing"
)

// activationFlags are serve's bounds on License 2.0 activation (licensing.ActivationLimits), each with an
// environment default.
type activationFlags struct {
	perAddress, global, unknownTTL string
}

func (a *activationFlags) register(fs *flag.FlagSet, l lang, getenv func(string) string) {
	fs.StringVar(&a.perAddress, "activation-per-address", envOr(getenv, "LICENTIA_ACTIVATION_PER_ADDRESS", strconv.Itoa(licensing.DefaultActivationPerAddress)),
		l.T("flag.activation_per_address"))
	fs.StringVar(&a.global, "activation-global", envOr(getenv, "LICENTIA_ACTIVATION_GLOBAL", strconv.Itoa(licensing.DefaultActivationGlobal)),
		l.T("flag.activation_global"))
	fs.StringVar(&a.unknownTTL, "activation-unknown-ttl", envOr(getenv, "LICENTIA_ACTIVATION_UNKNOWN_TTL", licensing.DefaultUnknownTTL.String()),
		l.T("flag.activation_unknown_ttl"))
}

// limits returns the parsed limits, or a usage error naming the flag.
func (a *activationFlags) limits(lg lang) (licensing.ActivationLimits, error) {
	var l licensing.ActivationLimits
	count := func(name, v string, max int) (int, error) {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > max {
			return 0, &usageError{lg.T("serve.activation_count", name, v, max)}
		}
		return n, nil
	}
	var err error
	if l.PerAddress, err = count("activation-per-address", a.perAddress, licensing.MaxActivationLimit); err != nil {
		return l, err
	}
	if l.Global, err = count("activation-global", a.global, licensing.MaxActivationLimit); err != nil {
		return l, err
	}
	d, err := time.ParseDuration(a.unknownTTL)
	if err != nil || d < time.Second || d > licensing.MaxUnknownTTL {
		return l, &usageError{lg.T("serve.unknown_ttl", a.unknownTTL, licensing.MaxUnknownTTL)}
	}
	l.UnknownTTL = d
	return l, nil
}
