package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/licentia/licentia/server/support"
)

// runPolicy dispatches the policy subcommands: the sellers' seat policies per product, on the local
// database or through the admin API, like the codes commands.
func runPolicy(ctx context.Context, l lang, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, l.T("usage.policy"))
		return &usageError{l.T("no_subcommand", "policy")}
	}
	sub, rest := args[0], args[1:]
	switch sub {
	case "set":
		return runPolicySet(ctx, l, rest, getenv, stdout, stderr)
	case "list":
		return runPolicyList(ctx, l, rest, getenv, stdout, stderr)
	case "delete":
		return runPolicyDelete(ctx, l, rest, getenv, stdout, stderr)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, l.T("usage.policy"))
		return nil
	default:
		fmt.Fprint(stderr, l.T("usage.policy"))
		return &usageError{l.T("unknown_subcommand", "policy", sub)}
	}
}

func runPolicySet(ctx context.Context, l lang, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := quietFlagSet("policy set", l, "usage.policy.set", stderr)
	var c codesFlags
	c.register(fs, getenv)
	seats := fs.String("seats", "", l.T("flag.policy_seats"))
	match := fs.Int("match", 0, l.T("flag.policy_match"))
	lease := fs.String("lease", "", l.T("flag.policy_lease"))
	fingerprint := fs.Bool("require-fingerprint", false, l.T("flag.policy_fingerprint"))
	usage := fs.String("usage", "", l.T("flag.policy_usage"))
	pos, err := fs.parseArgs(args, 1, "arg.product")
	if err != nil {
		return err
	}
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	var leaseSeconds int64
	if given["lease"] {
		if leaseSeconds, err = parseLease(*lease); err != nil {
			return &usageError{l.T("policy.bad_lease", *lease)}
		}
	}
	b, actor, done, err := c.backend(ctx, fs)
	if err != nil {
		return err
	}
	defer done()
	// Flags not given keep the product's policy as it is (or the default).
	cur, err := b.Policy(ctx, pos[0])
	if err != nil {
		return err
	}
	req := support.PolicyRequestOf(cur)
	if given["seats"] {
		req.Seats = *seats
	}
	if given["match"] {
		req.Match = *match
	}
	if given["lease"] {
		req.LeaseSeconds = leaseSeconds
	}
	if given["require-fingerprint"] {
		req.RequireFingerprint = *fingerprint
	}
	if given["usage"] {
		req.Usage = *usage
	}
	req.Actor = actor
	p, err := b.SetPolicy(ctx, pos[0], req)
	if err != nil {
		return err
	}
	if c.json {
		return printJSON(stdout, p)
	}
	fmt.Fprintln(stdout, l.T("policy.set", cell(p.ProductID), policyLine(l, p), cell(p.UpdatedBy)))
	return nil
}

// parseLease reads --lease: a Go duration (30m, 72h) or whole days (7d), in whole seconds; 0 or none for
// no lease.
func parseLease(s string) (int64, error) {
	if s == "0" || s == "none" {
		return 0, nil
	}
	d, err := support.ParseWithin(s)
	if err != nil {
		return 0, err
	}
	if d%time.Second != 0 {
		return 0, fmt.Errorf("lease %s: not whole seconds", d)
	}
	return int64(d / time.Second), nil
}

// policyLine describes a policy on one line: seats, match, lease, fingerprint, usage.
func policyLine(l lang, p *support.PolicyView) string {
	return strings.Join([]string{
		l.T("policy.seats", cell(l.value("seats_policy", p.Seats))),
		l.T("policy.match", matchText(l, p.Match)),
		l.T("policy.lease", leaseText(l, p.LeaseSeconds)),
		fingerprintText(l, p.RequireFingerprint),
		l.T("policy.usage", cell(l.value("usage_mode", p.Usage))),
	}, l.T("policy.sep"))
}

func matchText(l lang, k int) string {
	if k == 0 {
		return l.T("policy.majority")
	}
	return strconv.Itoa(k)
}

func leaseText(l lang, s int64) string {
	if s == 0 {
		return l.T("policy.no_lease")
	}
	return (time.Duration(s) * time.Second).String()
}

func fingerprintText(l lang, required bool) string {
	if required {
		return l.T("policy.fingerprint_required")
	}
	return l.T("policy.fingerprint_optional")
}

func runPolicyList(ctx context.Context, l lang, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cmd := newCodesCmd("policy list", l, "usage.policy.list", getenv, stderr)
	run, err := cmd.open(ctx, args, 0, "", nil)
	if err != nil {
		return err
	}
	defer run.done()
	clk := run.clk
	ps, err := run.b.Policies(ctx)
	if err != nil {
		return err
	}
	if cmd.c.json {
		return printJSON(stdout, ps)
	}
	if len(ps.Policies) == 0 {
		fmt.Fprintln(stdout, l.T("policy.none"))
		return nil
	}
	t := newTable(stdout)
	t.row(l.T("col.product"), l.T("col.seats"), l.T("col.match"), l.T("col.lease"), l.T("col.fingerprint"),
		l.T("col.usage"), clk.header("col.updated"), l.T("col.updated_by"))
	for _, p := range ps.Policies {
		updated := "-"
		if p.UpdatedAt != nil {
			updated = clk.at(*p.UpdatedAt)
		}
		t.row(cell(p.ProductID), cell(l.value("seats_policy", p.Seats)), matchText(l, p.Match), leaseText(l, p.LeaseSeconds),
			fingerprintText(l, p.RequireFingerprint), cell(l.value("usage_mode", p.Usage)), cell(updated), cell(p.UpdatedBy))
	}
	return t.flush()
}

func runPolicyDelete(ctx context.Context, l lang, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cmd := newCodesCmd("policy delete", l, "usage.policy.delete", getenv, stderr)
	run, err := cmd.open(ctx, args, 1, "arg.product", nil)
	if err != nil {
		return err
	}
	defer run.done()
	p, err := run.b.DeletePolicy(ctx, run.pos[0], run.actor)
	if err != nil {
		return err
	}
	if cmd.c.json {
		return printJSON(stdout, p)
	}
	fmt.Fprintln(stdout, l.T("policy.deleted", cell(p.ProductID), policyLine(l, p)))
	return nil
}
