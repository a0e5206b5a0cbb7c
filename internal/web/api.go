package web

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"strconv"

	"github.com/quarrylabs/quarry/client"
)

// apiBase is the address the in-process client believes it talks to. Its
// requests never leave the process (inProcess serves them all), so the
// host is only a name; download links the API makes point at it too.
const apiBase = "http://quarry.internal"

// newClient returns an API client for key whose requests go straight to
// the API's handler, in this process.
func (s *Server) newClient(key string) (*client.Client, error) {
	c, err := client.New(
		client.WithBaseURL(apiBase),
		client.WithAPIKey(key),
		client.WithHTTPClient(&http.Client{Transport: inProcess{s.api}}),
		// A person is waiting: a refusal (429) or a failure is shown to
		// them at once rather than retried behind a spinning page.
		client.WithMaxRetries(0),
		client.WithUserAgent("quarry-dashboard"),
	)
	if err != nil {
		return nil, fmt.Errorf("api client: %w", err)
	}
	return c, nil
}

// inProcess is an http.RoundTripper that serves each request with an
// http.Handler, buffering the reply.
type inProcess struct{ h http.Handler }

func (t inProcess) RoundTrip(req *http.Request) (*http.Response, error) {
	r := req.Clone(req.Context())
	r.RequestURI = req.URL.RequestURI()
	r.RemoteAddr = "127.0.0.1:0"
	if r.Body == nil {
		r.Body = http.NoBody
	}
	w := &bufferedReply{header: http.Header{}}
	t.h.ServeHTTP(w, r)
	if req.Body != nil {
		req.Body.Close()
	}
	status := w.status
	if status == 0 {
		status = http.StatusOK
	}
	w.header.Set("Content-Length", strconv.Itoa(w.body.Len()))
	return &http.Response{
		Status:        strconv.Itoa(status) + " " + http.StatusText(status),
		StatusCode:    status,
		Proto:         "HTTP/1.1",
		ProtoMajor:    1,
		ProtoMinor:    1,
		Header:        w.header,
		Body:          io.NopCloser(&w.body),
		ContentLength: int64(w.body.Len()),
		Request:       req,
	}, nil
}

// bufferedReply is the http.ResponseWriter inProcess hands the API.
type bufferedReply struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (w *bufferedReply) Header() http.Header { return w.header }

func (w *bufferedReply) WriteHeader(status int) {
	if w.status == 0 {
		w.status = status
	}
}

func (w *bufferedReply) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.body.Write(b)
}
