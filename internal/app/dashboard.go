package app

import (
	"net/http"

	"github.com/quarrylabs/quarry/internal/document/parse"
	"github.com/quarrylabs/quarry/internal/web"
)

// withDashboard puts the web dashboard at / and /ui/ in front of the API,
// which keeps every other path (its own 404s included). The dashboard
// calls the API in process, so it acts through the same authentication
// and project isolation.
func (a *App) withDashboard(api http.Handler, parser *parse.Parser) http.Handler {
	dash := web.New(web.Config{Logger: a.cfg.Logger}, api, a.store, a.pdf, parser)
	mux := http.NewServeMux()
	mux.Handle("/", api)
	mux.Handle("GET /{$}", dash)
	mux.Handle("/ui/", dash)
	return mux
}
