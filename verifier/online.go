package verifier

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// ErrOnline is wrapped by the errors of Client: the server could not be reached or did not answer as a
// licentia server does. Software that gets it should fall back to checking the code it has, offline.
var ErrOnline = errors.New("online refresh failed")

// Client fetches, from the licentia server that issued a code, the license's current code (after a
// renewal, say) and the signed revocation list. Nothing it fetches is trusted as such: the code goes
// through Verify like any other, and the list is checked with the local key ring.
type Client struct {
	// BaseURL is the server's address, e.g. "https://license.example.com".
	BaseURL string
	// HTTP is the client used; nil means one with a 10-second timeout.
	HTTP *http.Client
}

// maxAnswer bounds what is read from the server.
const maxAnswer = 4 << 20

func (c *Client) http() *http.Client {
	if c.HTTP != nil {
		return c.HTTP
	}
	return &http.Client{Timeout: 10 * time.Second}
}

// Refresh sends code (any genuine code of the license, even an expired or superseded one) to
// POST /v1/codes/refresh and returns the current code the server answers. The answer is not verified
// here: pass it to Verify. Errors wrap ErrOnline.
func (c *Client) Refresh(ctx context.Context, code string) (string, error) {
	body, _ := json.Marshal(map[string]string{"code": strings.TrimSpace(code)})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimRight(c.BaseURL, "/")+"/v1/codes/refresh", bytes.NewReader(body))
	if err != nil {
		return "", fmt.Errorf("%w: %w", ErrOnline, err)
	}
	req.Header.Set("Content-Type", "application/json")
	data, err := c.do(req)
	if err != nil {
		return "", err
	}
	var ans struct {
		Code string `json:"code"`
	}
	if err := json.Unmarshal(data, &ans); err != nil || ans.Code == "" {
		return "", fmt.Errorf("%w: the answer carries no code", ErrOnline)
	}
	return ans.Code, nil
}

// Revocations fetches GET /v1/revocations, checks its signature with kr and returns the list and the
// bytes fetched (to keep for offline checks). Errors wrap ErrOnline, or the errors of ParseRevocations
// when the server answered something that is not a genuine list.
func (c *Client) Revocations(ctx context.Context, kr *Keyring) (*RevocationList, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimRight(c.BaseURL, "/")+"/v1/revocations", nil)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: %w", ErrOnline, err)
	}
	data, err := c.do(req)
	if err != nil {
		return nil, nil, err
	}
	l, err := ParseRevocations(kr, data)
	if err != nil {
		return nil, nil, err
	}
	return l, data, nil
}

// do sends req and returns the body of a 200 answer.
func (c *Client) do(req *http.Request) ([]byte, error) {
	resp, err := c.http().Do(req)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrOnline, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer))
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrOnline, err)
	}
	if resp.StatusCode != http.StatusOK {
		var e struct {
			Error struct{ Code, Message string } `json:"error"`
		}
		if json.Unmarshal(data, &e) == nil && e.Error.Code != "" {
			return nil, fmt.Errorf("%w: %s: %s (%s)", ErrOnline, req.URL.Path, e.Error.Message, e.Error.Code)
		}
		return nil, fmt.Errorf("%w: %s: HTTP %d", ErrOnline, req.URL.Path, resp.StatusCode)
	}
	return data, nil
}
