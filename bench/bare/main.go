// Command bare serves the same-run baselines of the wrk benchmarks (bench/run.sh) on a loopback address:
//
//   - POST /v1/codes/refresh and POST /v1/activations: read the body, check one Ed25519 signature
//     (of a fixed message the size of a code's signing input), answer a fixed JSON body the size of a
//     refresh answer. The floor of refresh and activation, which must check the code's signature.
//
//   - anything else: answer a fixed JSON body the shape and size of a getLicense answer, reading
//     nothing (server/loadgen.BareHandler). The floor of a resend.
//
//     bare --addr 127.0.0.1:9001
package main

import (
	"context"
	"crypto/ed25519"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/licentia/licentia/internal/loopback"
	"github.com/licentia/licentia/server/loadgen"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stderr)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "bare:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, stderr io.Writer) error {
	fs := flag.NewFlagSet("bare", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", "127.0.0.1:0", "loopback listen address")
	if err := fs.Parse(args); err != nil {
		return err
	}
	host, _, err := net.SplitHostPort(*addr)
	if err != nil || !loopback.Host(host) {
		return fmt.Errorf("--addr %q: want a loopback host:port", *addr)
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	fmt.Fprintf(stderr, "bare: serving on %s\n", ln.Addr())
	srv := &http.Server{Handler: Handler(), ReadHeaderTimeout: 5 * time.Second, ReadTimeout: 10 * time.Second,
		WriteTimeout: 10 * time.Second, IdleTimeout: time.Minute}
	go func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(sctx)
	}()
	if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// verifyBody is the answer of the verify baseline: the size of a refresh answer.
var verifyBody = []byte(`{"code":"` + strings.Repeat("x", 520) + `","generation":2,"status":"active","expires_at":"2027-12-01T18:00:00Z"}` + "\n")

// Handler returns the baseline handlers.
func Handler() http.Handler {
	seed := make([]byte, ed25519.SeedSize)
	priv := ed25519.NewKeyFromSeed(seed)
	pub := priv.Public().(ed25519.PublicKey)
	msg := []byte(strings.Repeat("m", 440)) // header.payload of a code
	sig := ed25519.Sign(priv, msg)
	verify := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			http.Error(w, "POST only", http.StatusMethodNotAllowed)
			return
		}
		if _, err := io.Copy(io.Discard, http.MaxBytesReader(w, r.Body, 64<<10)); err != nil {
			http.Error(w, "body too large", http.StatusRequestEntityTooLarge)
			return
		}
		if !ed25519.Verify(pub, msg, sig) {
			http.Error(w, "bad signature", http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		w.Write(verifyBody)
	})
	mux := http.NewServeMux()
	mux.Handle("/v1/codes/refresh", verify)
	mux.Handle("/v1/activations", verify)
	mux.Handle("/", loadgen.BareHandler())
	return mux
}
