package httpapi

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/botport/botport/internal/exporter"
	"github.com/botport/botport/internal/publish"
	"github.com/botport/botport/internal/variables"
	"github.com/botport/botport/internal/webhook"
)

// routeRecorder records the patterns routes registers, as "METHOD path".
// Method-less patterns (the 405 answers, the 404 catch-all) and the
// tolerated trailing slash ("/{$}") are not routes of their own.
type routeRecorder map[string]bool

func (r routeRecorder) HandleFunc(p string, _ func(http.ResponseWriter, *http.Request)) { r.add(p) }
func (r routeRecorder) Handle(p string, _ http.Handler)                                 { r.add(p) }

func (r routeRecorder) add(pattern string) {
	method, path, ok := strings.Cut(pattern, " ")
	if !ok {
		return
	}
	r[method+" "+strings.TrimSuffix(path, "/{$}")] = true
}

func loadOpenAPI(t *testing.T) *openapi3.T {
	t.Helper()
	doc, err := openapi3.NewLoader().LoadFromData(OpenAPI)
	if err != nil {
		t.Fatalf("openapi.json: %v", err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatalf("openapi.json is not a valid OpenAPI document: %v", err)
	}
	return doc
}

// TestOpenAPIRoutes holds the route table against the document: every
// route routes.go registers, with every feature on, has its path and
// method in openapi.json, and the document has no operation the server
// does not serve. A new route cannot be forgotten.
func TestOpenAPIRoutes(t *testing.T) {
	doc := loadOpenAPI(t)
	if !doc.IsOpenAPI31OrLater() {
		t.Errorf("openapi = %q, want 3.1", doc.OpenAPI)
	}
	s := &server{cfg: Config{
		Exporter: &exporter.Service{}, Publisher: &publish.Service{}, Variables: &variables.Service{},
		Webhooks: &webhook.Service{}, MetricsHandler: http.NotFoundHandler(),
	}}
	served := routeRecorder{}
	s.routes(served)
	if len(served) < 30 {
		t.Fatalf("recorded %d routes, the recorder misses registrations: %v", len(served), served)
	}
	documented := map[string]bool{}
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			documented[method+" "+path] = true
			if op.Responses == nil || op.Responses.Len() == 0 {
				t.Errorf("%s %s: no responses", method, path)
			}
		}
	}
	var missing, extra []string
	for r := range served {
		if !documented[r] {
			missing = append(missing, r)
		}
	}
	for r := range documented {
		if !served[r] {
			extra = append(extra, r)
		}
	}
	slices.Sort(missing)
	slices.Sort(extra)
	for _, r := range missing {
		t.Errorf("served but not in openapi.json: %s", r)
	}
	for _, r := range extra {
		t.Errorf("in openapi.json but not served: %s", r)
	}
}

// TestOpenAPIRefusals: every operation documents the refusals every such
// route can give (500 and the overload's 503, and 401 and 429 when
// authenticated), each as the Kore.ai error envelope. The probes are not
// capped (probe) and answer for themselves.
func TestOpenAPIRefusals(t *testing.T) {
	doc := loadOpenAPI(t)
	envelope := doc.Components.Schemas["Error"]
	if envelope == nil {
		t.Fatal("no Error schema")
	}
	for path, item := range doc.Paths.Map() {
		if probe[path] {
			continue
		}
		for method, op := range item.Operations() {
			if op.Security == nil {
				t.Errorf("%s %s: no security (say [] for a route without credentials)", method, path)
				continue
			}
			want := []string{"500", "503"}
			if len(*op.Security) > 0 {
				want = append(want, "401", "429")
			}
			for _, code := range want {
				resp := op.Responses.Value(code)
				if resp == nil {
					t.Errorf("%s %s: no %s answer", method, path, code)
					continue
				}
				mt := resp.Value.Content.Get("application/json")
				if mt == nil || mt.Schema == nil || mt.Schema.Value != envelope.Value {
					t.Errorf("%s %s: %s is not the error envelope", method, path, code)
				}
			}
		}
	}
}
