package web_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"image"
	"image/png"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/tutanak/tutanak/review"
	"github.com/tutanak/tutanak/web"
)

// TestCaptureBrowserDeadConnection runs tests/browser/stall.mjs in Debian's
// Chromium through a proxy whose connections die as a phone's do when it
// changes networks or a congested link drops it: nothing more is carried
// either way, and nothing is closed. The page gives the upload up after
// the server's --upload-idle-timeout without progress, says so, and sends
// the photo again on a new connection; the server ends with its exact bytes.
func TestCaptureBrowserDeadConnection(t *testing.T) {
	a := setup(t, stacks()[0], web.Config{IdleReadTimeout: 2 * time.Second})
	a.user(t, "gözlemci", review.Observer, "", "gözlemci parola")
	target, err := url.Parse(a.url)
	if err != nil {
		t.Fatal(err)
	}
	p := newDeadNetwork(t, target.Host)
	ctrl := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p.setDead(r.URL.Path == "/kill")
	}))
	t.Cleanup(ctrl.Close)

	// Incompressible and larger than the sockets' buffers, so that the
	// upload stops halfway rather than vanish into them whole.
	img := image.NewGray(image.Rect(0, 0, 4000, 5000))
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range img.Pix {
		img.Pix[i] = byte(rng.Uint32())
	}
	var buf bytes.Buffer
	if err := (&png.Encoder{CompressionLevel: png.NoCompression}).Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	photo := filepath.Join(t.TempDir(), "large.png")
	if err := os.WriteFile(photo, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	runBrowserScript(t, "stall.mjs", "http://"+p.addr(), "PHOTO="+photo, "CTRL_URL="+ctrl.URL)

	list, err := a.svc.Sheets(t.Context(), review.User{Role: review.Admin}, review.SheetQuery{})
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(buf.Bytes())
	if len(list) != 1 || list[0].SHA256 != hex.EncodeToString(sum[:]) || list[0].Box.SandikNo != "1701" {
		t.Fatalf("sheets after the dead connection: %+v, want the photo's under box 1701", list)
	}
	rc, _, err := a.store.OpenOriginal(t.Context(), list[0].SHA256)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	kept, err := io.ReadAll(rc)
	if err != nil || !bytes.Equal(kept, buf.Bytes()) {
		t.Fatalf("the stored original is not the photo's bytes (%d of %d bytes, %v)", len(kept), buf.Len(), err)
	}
}

// deadNetwork is a TCP proxy to a server whose connections can die: while
// dead, every connection it holds, and every new one, carries nothing more
// either way and is never closed. When it comes back the dead ones are
// reset and new ones work.
type deadNetwork struct {
	ln     net.Listener
	target string
	closed chan struct{}

	mu    sync.Mutex
	dead  bool
	conns []*deadConn
}

type deadConn struct {
	mu             sync.Mutex
	dead           bool
	client, server net.Conn
}

func (c *deadConn) isDead() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.dead
}

func newDeadNetwork(t *testing.T, target string) *deadNetwork {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &deadNetwork{ln: ln, target: target, closed: make(chan struct{})}
	var wg sync.WaitGroup
	var open []net.Conn
	var openMu sync.Mutex
	track := func(c net.Conn) {
		openMu.Lock()
		defer openMu.Unlock()
		open = append(open, c)
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			client, err := ln.Accept()
			if err != nil {
				return
			}
			server, err := net.Dial("tcp", target)
			if err != nil {
				client.Close()
				continue
			}
			track(client)
			track(server)
			dc := &deadConn{client: client, server: server}
			p.mu.Lock()
			dc.dead = p.dead
			p.conns = append(p.conns, dc)
			p.mu.Unlock()
			wg.Add(2)
			go func() { defer wg.Done(); p.carry(dc, server, client) }()
			go func() { defer wg.Done(); p.carry(dc, client, server) }()
		}
	}()
	t.Cleanup(func() {
		close(p.closed)
		ln.Close()
		openMu.Lock()
		for _, c := range open {
			c.Close()
		}
		openMu.Unlock()
		wg.Wait()
	})
	return p
}

func (p *deadNetwork) addr() string { return p.ln.Addr().String() }

// setDead kills every connection (on), or lets new ones work again (off):
// the dead ones are then reset, as the server, which has forgotten them,
// answers their next packet once the link carries packets again.
func (p *deadNetwork) setDead(on bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.dead = on
	for _, c := range p.conns {
		c.mu.Lock()
		if on {
			c.dead = true
		} else if c.dead {
			if tc, ok := c.client.(*net.TCPConn); ok {
				tc.SetLinger(0)
			}
			c.client.Close()
			c.server.Close()
		}
		c.mu.Unlock()
	}
}

// carry copies src to dst until the connection dies, then holds what it
// read and reads no more, until the test ends.
func (p *deadNetwork) carry(c *deadConn, dst, src net.Conn) {
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if c.isDead() {
			<-p.closed
			return
		}
		if n > 0 {
			if _, werr := dst.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			if errors.Is(err, io.EOF) {
				if tc, ok := dst.(*net.TCPConn); ok {
					tc.CloseWrite()
				}
			}
			return
		}
	}
}
