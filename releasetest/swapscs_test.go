package releasetest

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// The fixture application of TestSwapSCS: a module on SCS v2 with handler
// tests (memstore, a struct and a map in the session, subtests). Its last
// test passes only on SCS v2 itself, and runs only when SWAP_FIXTURE_DIFF is
// set, so that one run shows identical outcomes and the other a difference.
var swapFixture = map[string]string{
	"go.mod": `module example.com/swapfixture

go 1.22

require github.com/alexedwards/scs/v2 v2.9.0
`,
	"app.go": `package swapfixture

import (
	"encoding/gob"
	"fmt"
	"net/http"

	"github.com/alexedwards/scs/v2"
	"github.com/alexedwards/scs/v2/memstore"
)

type Cart struct {
	Items []string
	Total int
}

// SCS v2 needs both registered; the map one is this module's default.
func init() {
	gob.Register(Cart{})
	gob.Register(map[string]string{})
}

type App struct{ Sessions *scs.SessionManager }

func New() *App {
	s := scs.New()
	s.Store = memstore.New()
	return &App{Sessions: s}
}

func (a *App) Routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/add", func(w http.ResponseWriter, r *http.Request) {
		cart, _ := a.Sessions.Get(r.Context(), "cart").(Cart)
		cart.Items = append(cart.Items, r.URL.Query().Get("item"))
		cart.Total += len(cart.Items)
		a.Sessions.Put(r.Context(), "cart", cart)
		a.Sessions.Put(r.Context(), "prefs", map[string]string{"theme": "dark"})
		a.Sessions.Put(r.Context(), "flash", "added")
	})
	mux.HandleFunc("/cart", func(w http.ResponseWriter, r *http.Request) {
		cart, _ := a.Sessions.Get(r.Context(), "cart").(Cart)
		prefs, _ := a.Sessions.Get(r.Context(), "prefs").(map[string]string)
		fmt.Fprintf(w, "%v %d %s %s", cart.Items, cart.Total, prefs["theme"], a.Sessions.PopString(r.Context(), "flash"))
	})
	mux.HandleFunc("/logout", func(w http.ResponseWriter, r *http.Request) {
		if err := a.Sessions.Destroy(r.Context()); err != nil {
			http.Error(w, err.Error(), 500)
		}
	})
	return a.Sessions.LoadAndSave(mux)
}
`,
	"app_test.go": `package swapfixture

import (
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"os"
	"reflect"
	"testing"

	"github.com/alexedwards/scs/v2"
)

func get(t *testing.T, c *http.Client, url string) string {
	t.Helper()
	res, err := c.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return string(b)
}

func TestCart(t *testing.T) {
	srv := httptest.NewServer(New().Routes())
	defer srv.Close()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar}
	t.Run("add", func(t *testing.T) {
		get(t, c, srv.URL+"/add?item=tea")
		get(t, c, srv.URL+"/add?item=milk")
	})
	t.Run("read", func(t *testing.T) {
		if got, want := get(t, c, srv.URL+"/cart"), "[tea milk] 3 dark added"; got != want {
			t.Fatalf("got %q, want %q", got, want)
		}
		if got, want := get(t, c, srv.URL+"/cart"), "[tea milk] 3 dark "; got != want {
			t.Fatalf("flash not popped: got %q, want %q", got, want)
		}
	})
	t.Run("logout", func(t *testing.T) {
		get(t, c, srv.URL+"/logout")
		if got, want := get(t, c, srv.URL+"/cart"), "[] 0  "; got != want {
			t.Fatalf("after logout got %q, want %q", got, want)
		}
	})
}

func TestNoCookieWithoutData(t *testing.T) {
	rec := httptest.NewRecorder()
	New().Routes().ServeHTTP(rec, httptest.NewRequest("GET", "/cart", nil))
	if c := rec.Header().Get("Set-Cookie"); c != "" {
		t.Fatalf("Set-Cookie %q on a request that stored nothing", c)
	}
}

func TestSCSPackagePath(t *testing.T) {
	if os.Getenv("SWAP_FIXTURE_DIFF") == "" {
		t.Skip("set SWAP_FIXTURE_DIFF to run")
	}
	if got := reflect.TypeOf(scs.SessionManager{}).PkgPath(); got != "github.com/alexedwards/scs/v2" {
		t.Fatalf("SessionManager is from %s", got)
	}
}
`,
}

// TestSwapSCS runs scripts/swap-scs.sh on a fixture application twice: its
// outcomes are identical, then (with the fixture's last test enabled) they
// differ, and the script says which test and exits 1.
func TestSwapSCS(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go test and go mod tidy on a fixture application")
	}
	for _, tool := range []string{"git", "go", "bash"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not installed", tool)
		}
	}
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	app := filepath.Join(t.TempDir(), "swapfixture")
	if err := os.MkdirAll(app, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, text := range swapFixture {
		if err := os.WriteFile(filepath.Join(app, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// go.sum for SCS v2, from the module cache once it has been downloaded.
	tidy := exec.Command("go", "mod", "tidy")
	tidy.Dir = app
	tidy.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "GOWORK=off")
	if out, err := tidy.CombinedOutput(); err != nil {
		t.Fatalf("go mod tidy in the fixture: %v\n%s", err, out)
	}

	swap := func(diff bool, args ...string) (string, int) {
		t.Helper()
		cmd := exec.Command("bash", append([]string{filepath.Join(root, "scripts", "swap-scs.sh")}, append(args, app)...)...)
		cmd.Env = append(os.Environ(), "TMPDIR="+t.TempDir(), "SWAP_SCS_KEEP=", "GOWORK=off", "SWAP_FIXTURE_DIFF=")
		if diff {
			cmd.Env = append(cmd.Env, "SWAP_FIXTURE_DIFF=1")
		}
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		err := cmd.Run()
		code := 0
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			code = exit.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		t.Logf("swap-scs.sh (SWAP_FIXTURE_DIFF=%v):\n%s", diff, out.String())
		return out.String(), code
	}

	// TestCart and its 3 subtests, TestNoCookieWithoutData; TestSCSPackagePath skips.
	counts := "5 passed, 0 failed, 1 skipped, 0 build failures"
	out, code := swap(false)
	if code != 0 {
		t.Errorf("exit status %d, want 0", code)
	}
	for _, want := range []string{
		"scs v2:  " + counts,
		"swapped: " + counts,
		"outcomes: identical",
		"removed github.com/alexedwards/scs/v2 v2.9.0",
		"added   github.com/seed3bbca6c1/scs v0.0.0-00010101000000-000000000000",
		"core:   github.com/seed3bbca6c1/scs => " + root,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q", want)
		}
	}
	if strings.Contains(out, "kept in") {
		t.Error("the temporary folder was kept although the outcomes are identical")
	}
	if b, err := os.ReadFile(filepath.Join(app, "app.go")); err != nil || !strings.Contains(string(b), `"github.com/alexedwards/scs/v2"`) {
		t.Errorf("the fixture itself was modified (%v)", err)
	}

	// The environment reaches the tests, -run reaches go test, and a test
	// whose outcome changes is named.
	out, code = swap(true, "-run", "SCSPackagePath|NoCookie")
	if code != 1 {
		t.Errorf("exit status %d, want 1", code)
	}
	for _, want := range []string{
		"scs v2:  2 passed, 0 failed, 0 skipped, 0 build failures",
		"swapped: 1 passed, 1 failed, 0 skipped, 0 build failures",
		"outcomes: 1 differ",
		"example.com/swapfixture TestSCSPackagePath: pass -> fail (again on a rerun)",
		"SessionManager is from github.com/seed3bbca6c1/scs",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q", want)
		}
	}
	if m := regexp.MustCompile(`logs and copies kept in (\S+)`).FindStringSubmatch(out); m == nil {
		t.Error("the temporary folder's path is not printed although the outcomes differ")
	}
}
