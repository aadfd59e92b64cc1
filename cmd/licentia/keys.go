package main

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/licentia/licentia/keys"
)

const keysUsage = `usage: licentia keys <init|list|rotate|retire KID|public> [--data DIR]

  init     create the key ring with a first signing key (no-op when one exists)
  list     list key ids, their role (active, retired, withdrawn) and when each was made
  rotate   add a new signing key; older keys become retired: they sign no more but keep verifying
  retire   KID: withdraw a compromised old key for good: codes it signed stop verifying here, it leaves
           the JWKS and 'keys public', and refresh refuses its codes; its private key is deleted.
           The active key cannot be withdrawn: rotate first
  public   print every public key that verifies, as PEM (embed this in the buyer's software)

A server running on the same data directory picks up rotate and retire by itself: it never signs with a
withdrawn key, and serves the new keys (JWKS, revocation list) within a second. Other replicas' copies of
the keys directory must be updated the same way (docs/deployment.md).
`

func runKeys(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, keysUsage)
		return &usageError{"keys: no subcommand given"}
	}
	sub := args[0]
	switch sub {
	case "help", "-h", "--help":
		fmt.Fprint(stdout, keysUsage)
		return nil
	}
	fs := quietFlagSet("keys "+sub, keysUsage, stderr)
	var d dataFlags
	d.register(fs.FlagSet, getenv)
	want, what := 0, ""
	if sub == "retire" {
		want, what = 1, "one key id KID (see 'licentia keys list')"
	}
	pos, err := fs.parseArgs(args[1:], want, what)
	if err != nil {
		return err
	}
	switch sub {
	case "init":
		if err := d.ensureData(); err != nil {
			return err
		}
		ring, created, err := keys.InitRing(d.keyDir(), rand.Reader)
		if err != nil {
			return err
		}
		kid, _ := ring.Active()
		if created {
			fmt.Fprintf(stdout, "created signing key %s in %s\n", kid, ring.Dir())
		} else {
			fmt.Fprintf(stdout, "key ring exists; signing key %s\n", kid)
		}
		return nil
	case "list", "rotate", "retire", "public":
	default:
		fmt.Fprint(stderr, keysUsage)
		return &usageError{fmt.Sprintf("keys: unknown subcommand %q", sub)}
	}
	ring, err := keys.OpenRing(d.keyDir())
	if err != nil {
		if os.IsNotExist(err) {
			return fmt.Errorf("%w (run 'licentia keys init' or start the server once)", err)
		}
		return err
	}
	switch sub {
	case "list":
		for _, k := range append(ring.Keys(), ring.Withdrawn()...) {
			role := "retired"
			switch {
			case k.Active:
				role = "active"
			case k.Withdrawn:
				role = "withdrawn"
			}
			fmt.Fprintf(stdout, "%s  %-9s  %s\n", k.ID, role, k.Created.UTC().Format(time.RFC3339))
		}
	case "retire":
		kid := strings.TrimSpace(pos[0])
		if _, err := ring.Retire(kid); err != nil {
			if errors.Is(err, keys.ErrUnknownKey) || errors.Is(err, keys.ErrActiveKey) {
				return &usageError{err.Error()}
			}
			return err
		}
		fmt.Fprintf(stdout, retiredText, kid, seconds(keys.DefaultFollowEvery))
	case "rotate":
		ring, err = ring.Rotate(rand.Reader)
		if err != nil {
			return err
		}
		kid, _ := ring.Active()
		fmt.Fprintf(stdout, rotatedText, kid, seconds(keys.DefaultFollowEvery))
	case "public":
		pem, err := ring.PublicPEM()
		if err != nil {
			return err
		}
		stdout.Write(pem)
	}
	return nil
}

// What keys retire and keys rotate say they did and what follows, in English and Chinese: %[1]s is the
// key id, %[2]s the seconds a running server takes to notice.
const (
	retiredText = `withdrew key %[1]s: codes it signed no longer verify with this ring.
A server running on this data directory stops signing with it at once and leaves it out of the JWKS
within %[2]s s. Next: copy this keys directory to every other replica
(rsync -a --delete; each picks it up within %[2]s s), ship 'licentia keys public' to verifiers that embed
keys, and reissue the licenses whose current code it signed.
已撤回密钥 %[1]s：它签发的授权码不再能通过本密钥环的验证。
使用本数据目录运行的服务器立即停止用它签名，并在 %[2]s 秒内从 JWKS 中去掉它。
下一步：把本 keys 目录复制到其他每个副本（rsync -a --delete；各副本在 %[2]s 秒内生效），
把 'licentia keys public' 的输出提供给内置公钥的验证程序，并为当前授权码由该密钥签发的许可证重新签发授权码。
`
	rotatedText = `new signing key %[1]s: a server running on this data directory signs with it within %[2]s s.
Verifiers that embed keys need it too ('licentia keys public'); copy this keys directory to every other
replica (each picks it up within %[2]s s).
新的签名密钥 %[1]s：使用本数据目录运行的服务器在 %[2]s 秒内开始用它签名。
内置公钥的验证程序也需要新公钥（'licentia keys public'）；请把本 keys 目录复制到其他每个副本（各副本在 %[2]s 秒内生效）。
`
)

// seconds formats d in whole seconds.
func seconds(d time.Duration) string { return strconv.Itoa(int(d / time.Second)) }
