package httpapi

import (
	"bufio"
	"bytes"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/quarrylabs/quarry/internal/pagetoken"
)

// TestSlowBody sends a JSON body a byte at a time: once BodyTimeout has
// passed the request ends (a 400, or the connection closed) instead of
// holding the connection for as long as the client likes.
func TestSlowBody(t *testing.T) {
	t.Parallel()
	tokens, err := pagetoken.New(bytes.Repeat([]byte{7}, 32))
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(New(Config{BodyTimeout: 200 * time.Millisecond}, &fuzzStore{}, nil, nil, tokens))
	defer ts.Close()
	conn, err := net.Dial("tcp", strings.TrimPrefix(ts.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "POST /api/v2/extract/schema/validation HTTP/1.1\r\nHost: quarry\r\nAuthorization: Bearer %s\r\n"+
		"Content-Type: application/json\r\nContent-Length: 100000\r\n\r\n{", fuzzKey)
	ended := make(chan string, 1)
	go func() {
		resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
		if err != nil {
			ended <- "closed: " + err.Error()
			return
		}
		resp.Body.Close()
		ended <- resp.Status
	}()
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	guard := time.After(30 * time.Second)
	for {
		select {
		case how := <-ended:
			if !strings.HasPrefix(how, "400") && !strings.HasPrefix(how, "closed") {
				t.Errorf("slow body ended with %s, want 400 or a closed connection", how)
			}
			return
		case <-tick.C:
			_, _ = conn.Write([]byte(" "))
		case <-guard:
			t.Fatal("a body trickled a byte every 50 ms was still being read after 30s")
		}
	}
}
