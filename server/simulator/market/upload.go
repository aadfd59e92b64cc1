package market

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/licentia/licentia/server/koogallery"
)

// upload accepts a market-event upload (spec §3): multipart/form-data with the request JSON in the part
// koogallery.PartRequest and, for type FILE, the file in koogallery.PartFile with its SHA256. Success is CBC.0000,
// as the G1b guide's common error codes (topic 0070649352) print it. Refusals: another
// method 95000002, another content type 95000003, an unreadable body 95000004, a missing or malformed field
// 95000001, a SHA256 that does not match the file 92020002.
func (s *Server) upload(w http.ResponseWriter, r *http.Request, eventID string, body []byte) {
	if r.Method != http.MethodPost {
		writeCode(w, koogallery.CodeMethodNotSupported, "")
		return
	}
	mt, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/form-data" || params["boundary"] == "" {
		writeCode(w, koogallery.CodeContentType, "")
		return
	}
	if len(eventID) > koogallery.MaxEventIDLen {
		writeCode(w, koogallery.CodeBadParam, "")
		return
	}
	meta, file, fileName, err := readUpload(body, params["boundary"])
	if err != nil {
		writeCode(w, koogallery.CodeUnreadable, "")
		return
	}
	up, code := checkUpload(eventID, meta, file, fileName)
	if code != koogallery.CodeSuccess {
		writeCode(w, code, "")
		return
	}
	s.mu.Lock()
	s.uploads = append(s.uploads, up)
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, koogallery.Answer{ErrorCode: koogallery.UploadSuccess, ErrorMsg: "Success."})
}

// readUpload reads the parts of an upload body: the request JSON, the file (nil when absent) and its name.
func readUpload(body []byte, boundary string) (*koogallery.UploadRequest, []byte, string, error) {
	mr := multipart.NewReader(bytes.NewReader(body), boundary)
	var meta *koogallery.UploadRequest
	var file []byte
	var fileName string
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, nil, "", err
		}
		data, err := io.ReadAll(part)
		if err != nil {
			return nil, nil, "", err
		}
		switch part.FormName() {
		case koogallery.PartRequest:
			meta = new(koogallery.UploadRequest)
			if err := json.Unmarshal(data, meta); err != nil {
				return nil, nil, "", err
			}
		case koogallery.PartFile:
			file, fileName = data, part.FileName()
		}
	}
	if meta == nil {
		return nil, nil, "", errors.New("no " + koogallery.PartRequest + " part")
	}
	return meta, file, fileName, nil
}

// checkUpload applies the field rules of an upload and returns it with the code to answer.
func checkUpload(eventID string, meta *koogallery.UploadRequest, file []byte, fileName string) (Upload, string) {
	up := Upload{EventID: eventID, Type: meta.Type}
	switch meta.Type {
	case koogallery.UploadCharacters:
		if meta.Characters == "" || !utf8.ValidString(meta.Characters) ||
			koogallery.CharacterCount(meta.Characters) > koogallery.MaxCharacters {
			return up, koogallery.CodeBadParam
		}
		up.Content = []byte(meta.Characters)
	case koogallery.UploadFile:
		up.FileName = meta.FileName
		if up.FileName == "" {
			up.FileName = fileName
		}
		if file == nil || up.FileName == "" || len(meta.SHA256) != 2*sha256.Size {
			return up, koogallery.CodeBadParam
		}
		sum := sha256.Sum256(file)
		if !strings.EqualFold(meta.SHA256, hex.EncodeToString(sum[:])) {
			return up, koogallery.CodeInvalidParam
		}
		up.SHA256, up.Content = strings.ToLower(meta.SHA256), file
	default:
		return up, koogallery.CodeBadParam
	}
	return up, koogallery.CodeSuccess
}
