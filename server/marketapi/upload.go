package marketapi

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"unicode/utf8"

	"github.com/licentia/licentia/server/koogallery"
)

// DefaultUploadFileName names an uploaded licence file when the caller gives no name.
const DefaultUploadFileName = "license.lic"

// maxUploadBytes bounds the content of one upload.
const maxUploadBytes = 4 << 20

// UploadEvent uploads a licence for a market event (G1b getLicenseAsync, spec §3) with the market-event file
// API. Content that is valid UTF-8 and fits in koogallery.MaxCharacters characters goes as type CHARACTERS;
// anything else as type FILE, a multipart file part named fileName (default DefaultUploadFileName) with its
// SHA256. Either way the body is multipart/form-data with the request JSON in the part
// koogallery.PartRequest. It returns an *Error wrapping ErrInvalidParam, ErrInternal, ErrAuth, ErrThrottled,
// ErrUnavailable or ErrProtocol; an empty or over-long event id, empty content or content over 4 MiB is
// refused before sending with ErrInvalidParam.
func (c *Client) UploadEvent(ctx context.Context, eventID, fileName string, content []byte) error {
	if err := checkID("event id", eventID, koogallery.MaxEventIDLen); err != nil {
		return fmt.Errorf("koogallery openapi upload_event: %w", err)
	}
	if len(content) == 0 || len(content) > maxUploadBytes {
		return fmt.Errorf("koogallery openapi upload_event: content of %d bytes, want 1 to %d: %w",
			len(content), maxUploadBytes, ErrInvalidParam)
	}
	if fileName == "" {
		fileName = DefaultUploadFileName
	}
	if err := checkID("file name", fileName, 1024); err != nil {
		return fmt.Errorf("koogallery openapi upload_event: %w", err)
	}
	body, contentType, err := uploadBody(fileName, content)
	if err != nil {
		return fmt.Errorf("koogallery openapi upload_event: %w", err)
	}
	req := request{api: koogallery.APIUploadEvent, method: http.MethodPost, path: koogallery.EventFilePath(eventID),
		contentType: contentType, body: body}
	return c.do(ctx, req, func([]byte) error { return nil })
}

// uploadBody builds the multipart body of an upload and returns it with its Content-Type.
func uploadBody(fileName string, content []byte) ([]byte, string, error) {
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	meta := koogallery.UploadRequest{Type: koogallery.UploadCharacters, Characters: string(content)}
	if !utf8.Valid(content) || koogallery.CharacterCount(string(content)) > koogallery.MaxCharacters {
		sum := sha256.Sum256(content)
		meta = koogallery.UploadRequest{Type: koogallery.UploadFile, FileName: fileName, SHA256: hex.EncodeToString(sum[:])}
		part, err := w.CreateFormFile(koogallery.PartFile, fileName)
		if err != nil {
			return nil, "", err
		}
		if _, err := part.Write(content); err != nil {
			return nil, "", err
		}
	}
	js, err := json.Marshal(meta)
	if err != nil {
		return nil, "", err
	}
	h := textproto.MIMEHeader{}
	h.Set("Content-Disposition", fmt.Sprintf(`form-data; name=%q`, koogallery.PartRequest))
	h.Set("Content-Type", "application/json")
	part, err := w.CreatePart(h)
	if err != nil {
		return nil, "", err
	}
	if _, err := part.Write(js); err != nil {
		return nil, "", err
	}
	if err := w.Close(); err != nil {
		return nil, "", err
	}
	return buf.Bytes(), w.FormDataContentType(), nil
}
