package web

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	_ "image/jpeg" // DecodeConfig of uploads
	_ "image/png"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/tutanak/tutanak/review"
)

// sniffLen is how many bytes content sniffing looks at.
const sniffLen = 512

// acceptedTypes are the photo formats accepted, by sniffed content.
var acceptedTypes = map[string]bool{"image/jpeg": true, "image/png": true}

func errTooLarge(cause error) *Error {
	return apiError(http.StatusRequestEntityTooLarge, "too_large", "Fotoğraf veya istek çok büyük.", "The photo or the request is too large.", cause)
}

func errBadUpload(code, tr, en string, cause error) *Error {
	return apiError(http.StatusBadRequest, code, tr, en, cause)
}

// upload takes a multipart sheet upload. The photo streams to a temporary
// file while it is hashed and checked; nothing reaches the store or the
// database until every part has arrived and passed.
func (s *Server) upload(c echo.Context) error {
	err := s.doUpload(c)
	if err != nil {
		s.metrics.uploads.WithLabelValues("refused").Inc()
	}
	return err
}

func (s *Server) doUpload(c echo.Context) error {
	req := c.Request()
	ctx := req.Context()
	rc := http.NewResponseController(c.Response())
	body := http.MaxBytesReader(c.Response(), req.Body, s.cfg.maxBody())
	// The deadline is left in place when the handler returns: the server
	// then discards an unread rest of the body under it instead of waiting
	// for a stalled client forever.
	req.Body = &idleDeadlineReader{r: body, rc: rc, idle: s.cfg.IdleReadTimeout}

	in, err := s.readUpload(req)
	if err != nil {
		return err
	}
	defer os.Remove(in.Photo.Path)
	res, err := s.svc.Upload(ctx, currentUser(c), in)
	if err != nil {
		return err
	}
	status := http.StatusOK
	outcome := "duplicate"
	if res.Created {
		status, outcome = http.StatusCreated, "created"
	}
	s.metrics.uploads.WithLabelValues(outcome).Inc()
	return c.JSON(status, res)
}

// readUpload reads a multipart upload into what the service takes: the photo
// spooled to a temporary file, removed again on error, and the other parts.
// It touches neither the store nor the database, so that it can be fuzzed
// alone. Refused input is an *Error; only a failing temporary file is not.
func (s *Server) readUpload(req *http.Request) (in review.Upload, err error) {
	mr, err := req.MultipartReader()
	if err != nil {
		return review.Upload{}, errBadUpload("not_multipart", "İstek multipart/form-data olmalı.", "The request must be multipart/form-data.", err)
	}
	var (
		photo  *review.Photo
		fields = map[string]string{}
	)
	defer func() {
		if err != nil && photo != nil {
			os.Remove(photo.Path)
		}
	}()
	for parts := 0; ; parts++ {
		p, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return review.Upload{}, readError(err)
		}
		if parts >= s.cfg.MaxParts {
			return review.Upload{}, errBadUpload("too_many_parts", "İstekte çok fazla parça var.", "The request has too many parts.", nil)
		}
		name := p.FormName()
		switch name {
		case "image":
			if photo != nil {
				return review.Upload{}, errBadUpload("duplicate_part", "Birden fazla fotoğraf gönderildi.", "More than one image was sent.", nil)
			}
			photo, err = s.spool(p)
			if err != nil {
				return review.Upload{}, err
			}
		case "form", "il", "ilce", "sandik_no", "typed":
			if _, dup := fields[name]; dup {
				return review.Upload{}, errBadUpload("duplicate_part", fmt.Sprintf("%q iki kez gönderildi.", name), fmt.Sprintf("%q was sent twice.", name), nil)
			}
			v, err := io.ReadAll(io.LimitReader(p, s.cfg.MaxFieldBytes+1))
			if err != nil {
				return review.Upload{}, readError(err)
			}
			if int64(len(v)) > s.cfg.MaxFieldBytes {
				return review.Upload{}, errBadUpload("part_too_large", fmt.Sprintf("%q alanı çok uzun.", name), fmt.Sprintf("The %q part is too long.", name), nil)
			}
			fields[name] = string(v)
		default:
			return review.Upload{}, errBadUpload("unknown_part", fmt.Sprintf("Bilinmeyen alan: %q.", name), fmt.Sprintf("Unknown part %q.", name), nil)
		}
		p.Close()
	}
	if photo == nil {
		return review.Upload{}, errBadUpload("no_image", "Fotoğraf (image) eksik.", "The image part is missing.", nil)
	}
	if fields["form"] == "" {
		return review.Upload{}, errBadUpload("no_form", "Form (form) eksik.", "The form part is missing.", nil)
	}
	in = review.Upload{Photo: *photo, Form: fields["form"],
		Box: review.Box{Il: fields["il"], Ilce: fields["ilce"], SandikNo: fields["sandik_no"]}}
	if t, ok := fields["typed"]; ok {
		if in.Typed, err = parseTyped(t); err != nil {
			return review.Upload{}, err
		}
	}
	return in, nil
}

// parseTyped decodes the "typed" part, {"counts":{…}}. No figures at all is
// the same as no "typed" part: nil. The service checks them against the form.
func parseTyped(t string) (map[string]int, error) {
	var tb review.TypedFigures
	if err := json.Unmarshal([]byte(t), &tb); err != nil || tb.Counts == nil {
		return nil, errBadUpload("bad_typed", `"typed" {"counts":{…}} biçiminde JSON olmalı.`, `"typed" must be JSON like {"counts":{…}}.`, err)
	}
	if len(tb.Counts) == 0 {
		return nil, nil
	}
	return tb.Counts, nil
}

// readError turns a failed body read into the client's fault it usually is.
func readError(err error) error {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return errTooLarge(err)
	}
	return errBadUpload("bad_body", "İstek okunamadı.", "The request could not be read.", err)
}

// spool writes the photo part to a temporary file, hashing it as it goes,
// and checks it is a JPEG or PNG of acceptable size and pixel count, all
// without decoding the image.
func (s *Server) spool(p *multipart.Part) (photo *review.Photo, err error) {
	head := make([]byte, sniffLen)
	n, err := io.ReadFull(p, head)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return nil, readError(err)
	}
	head = head[:n]
	ctype := http.DetectContentType(head)
	if !acceptedTypes[ctype] {
		return nil, apiError(http.StatusUnsupportedMediaType, "unsupported_type", "Fotoğraf JPEG ya da PNG olmalı.",
			"The photo must be a JPEG or PNG.", fmt.Errorf("sniffed %s", ctype))
	}
	f, err := os.CreateTemp(s.cfg.TempDir, "upload-*")
	if err != nil {
		return nil, fmt.Errorf("spool upload: %w", err)
	}
	defer func() {
		f.Close()
		if err != nil {
			os.Remove(f.Name())
		}
	}()
	h := sha256.New()
	w := io.MultiWriter(f, h)
	if _, err := w.Write(head); err != nil {
		return nil, fmt.Errorf("spool upload: %w", err)
	}
	rest, err := io.Copy(w, io.LimitReader(p, s.cfg.MaxImageBytes-int64(n)+1))
	if err != nil {
		var pe *os.PathError
		if errors.As(err, &pe) {
			return nil, fmt.Errorf("spool upload: %w", err)
		}
		return nil, readError(err)
	}
	size := int64(n) + rest
	if size > s.cfg.MaxImageBytes {
		return nil, errTooLarge(fmt.Errorf("photo over %d bytes", s.cfg.MaxImageBytes))
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return nil, fmt.Errorf("spool upload: %w", err)
	}
	cfg, format, err := image.DecodeConfig(f)
	if err != nil {
		return nil, errBadUpload("bad_image", "Fotoğraf bozuk ya da okunamıyor.", "The photo is corrupt or unreadable.", err)
	}
	if "image/"+format != ctype || cfg.Width <= 0 || cfg.Height <= 0 {
		return nil, errBadUpload("bad_image", "Fotoğraf bozuk ya da okunamıyor.", "The photo is corrupt or unreadable.",
			fmt.Errorf("format %s, %dx%d", format, cfg.Width, cfg.Height))
	}
	if int64(cfg.Width)*int64(cfg.Height) > s.cfg.MaxPixels {
		return nil, apiError(http.StatusRequestEntityTooLarge, "too_many_pixels", "Fotoğrafın çözünürlüğü çok yüksek.",
			"The photo has too many pixels.", fmt.Errorf("%dx%d", cfg.Width, cfg.Height))
	}
	if err := f.Sync(); err != nil {
		return nil, fmt.Errorf("spool upload: %w", err)
	}
	return &review.Photo{Path: f.Name(), SHA256: hex.EncodeToString(h.Sum(nil)), Size: size, ContentType: ctype}, nil
}

// idleDeadlineReader pushes the connection's read deadline forward before
// every read: a client that stops sending is cut off, one that sends
// slowly is not.
type idleDeadlineReader struct {
	r    io.ReadCloser
	rc   *http.ResponseController
	idle time.Duration
}

func (d *idleDeadlineReader) Read(p []byte) (int, error) {
	_ = d.rc.SetReadDeadline(time.Now().Add(d.idle)) // unsupported on some transports; best effort
	return d.r.Read(p)
}

func (d *idleDeadlineReader) Close() error { return d.r.Close() }
