package server

import (
	"context"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/licentia/licentia/server/loadgen"
)

// benchLoopback serves h on a loopback port and drives it with the load generator for two seconds per
// iteration, reporting requests per second. Run with -benchtime 1x and -cpuprofile to see where a
// request's time goes, client and server together.
func benchLoopback(b *testing.B, h func(*testing.B) *httptest.Server, mode string) {
	ts := h(b)
	defer ts.Close()
	var rps float64
	for b.Loop() {
		rep, err := loadgen.Run(context.Background(), loadgen.Config{URL: ts.URL + "/koogallery/license", Key: testKey,
			Mode: mode, Duration: 2 * time.Second, Concurrency: 32})
		if err != nil {
			b.Fatal(err)
		}
		if rep.Errors != 0 {
			b.Fatalf("%d errors: %s", rep.Errors, rep.FirstError)
		}
		rps = rep.RPS
	}
	b.ReportMetric(rps, "req/s")
}

func licentiaServer(b *testing.B) *httptest.Server {
	return httptest.NewServer(newTestEnv(b).srv.Handler())
}
func bareServer(*testing.B) *httptest.Server { return httptest.NewServer(loadgen.BareHandler()) }

func BenchmarkLoopbackBare(b *testing.B)   { benchLoopback(b, bareServer, loadgen.ModeResend) }
func BenchmarkLoopbackResend(b *testing.B) { benchLoopback(b, licentiaServer, loadgen.ModeResend) }
func BenchmarkLoopbackCreate(b *testing.B) { benchLoopback(b, licentiaServer, loadgen.ModeCreate) }
