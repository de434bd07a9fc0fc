package admin

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/subtle"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"

	"github.com/genkanhq/genkan/internal/auth/sigv4"
)

// Files in the state directory.
const (
	TokenFile    = "admin-token"
	EndpointFile = "admin-endpoint"
)

// SigningName is the service name SigV4 clients sign admin requests for, API Gateway's.
const SigningName = "apigateway"

// authenticate lets a request through if it carries the admin token, as a Bearer token or as
// the secret of a SigV4 signature by AccessKeyID. Everything else gets the control plane's
// 403 answers: no credentials at all is "Missing Authentication Token", a malformed or wrong
// signature what sigv4 reports, an unknown Bearer token what AWS says of unknown keys.
func (h *handler) authenticate(next http.Handler) http.Handler {
	lookup := sigv4.CredentialLookupFunc(func(_ context.Context, id, _ string) (sigv4.Credentials, error) {
		if id != AccessKeyID {
			return sigv4.Credentials{}, sigv4.ErrUnknownAccessKey
		}
		return sigv4.Credentials{SecretAccessKey: h.token, PrincipalID: AccessKeyID}, nil
	})
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if h.open {
			next.ServeHTTP(w, r)
			return
		}
		authz := r.Header.Get("Authorization")
		if scheme, token, ok := strings.Cut(authz, " "); ok && strings.EqualFold(scheme, "Bearer") {
			if h.token == "" || subtle.ConstantTimeCompare([]byte(strings.TrimSpace(token)), []byte(h.token)) != 1 {
				h.log.Info("admin API: wrong bearer token", "method", r.Method, "path", r.URL.Path, "remote", r.RemoteAddr)
				writeError(w, http.StatusForbidden, sigv4.UnrecognizedClientException, "The security token included in the request is invalid.")
				return
			}
			next.ServeHTTP(w, r)
			return
		}
		// The signature covers the body, so it is read here and handed on from memory.
		body, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
		if err != nil || len(body) > maxBody {
			writeError(w, http.StatusBadRequest, "BadRequestException", "The request body could not be read or is too large")
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		if h.token == "" {
			writeError(w, http.StatusForbidden, sigv4.MissingAuthenticationTokenException, "Missing Authentication Token")
			return
		}
		_, err = sigv4.Verify(r, body, lookup, sigv4.Options{Service: SigningName, Now: h.now})
		if err != nil {
			e := sigv4.AsError(err)
			if e == nil {
				e = &sigv4.Error{Status: http.StatusInternalServerError, ErrorType: sigv4.InternalServerErrorException, Message: "Internal server error"}
			}
			h.log.Info("admin API: authentication failed", "method", r.Method, "path", r.URL.Path, "remote", r.RemoteAddr, "error", e.ErrorType)
			writeError(w, e.Status, e.ErrorType, e.Message)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// LoadOrCreateToken returns the admin token kept in {stateDir}/admin-token, creating the
// directory (0700) and a new random token (file 0600) when there is none; created reports
// that, so the caller can print the token once.
func LoadOrCreateToken(stateDir string) (token string, created bool, err error) {
	path := filepath.Join(stateDir, TokenFile)
	if token, err := readToken(path); err == nil || !errors.Is(err, fs.ErrNotExist) {
		return token, false, err
	}
	if err := os.MkdirAll(stateDir, 0o700); err != nil {
		return "", false, fmt.Errorf("admin token: %w", err)
	}
	token = rand.Text() + rand.Text()
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) { // another process won the race; use its token
		token, err := readToken(path)
		return token, false, err
	}
	if err != nil {
		return "", false, fmt.Errorf("admin token: %w", err)
	}
	_, werr := f.WriteString(token + "\n")
	if err := errors.Join(werr, f.Close()); err != nil {
		os.Remove(path)
		return "", false, fmt.Errorf("admin token: %w", err)
	}
	return token, true, nil
}

// ReadToken returns the admin token of a state directory without creating one, for clients.
func ReadToken(stateDir string) (string, error) {
	return readToken(filepath.Join(stateDir, TokenFile))
}

func readToken(path string) (string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", err
	}
	token := strings.TrimSpace(string(b))
	if token == "" {
		return "", fmt.Errorf("admin token: %s is empty; delete it to have a new token generated", path)
	}
	// A token file others can read is a token others know; tighten it rather than keep
	// serving with it readable.
	if fi, err := os.Stat(path); err == nil && fi.Mode().Perm()&0o077 != 0 {
		if err := os.Chmod(path, 0o600); err != nil {
			return "", fmt.Errorf("admin token: %w", err)
		}
	}
	return token, nil
}

// IsLoopback reports whether a listen address (host:port) accepts connections only from this
// machine: a loopback IP or "localhost". An empty host or 0.0.0.0 listens everywhere.
func IsLoopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		host = addr
	}
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(strings.Trim(host, "[]"))
	return ip != nil && ip.IsLoopback()
}

// WriteEndpoint records the admin listener's address in the state directory, for the CLI.
// The file is replaced atomically so that a reader never sees half an address.
func WriteEndpoint(stateDir, addr string) error {
	if err := os.MkdirAll(stateDir, 0o700); err != nil {
		return fmt.Errorf("admin endpoint: %w", err)
	}
	tmp, err := os.CreateTemp(stateDir, EndpointFile+".*")
	if err != nil {
		return fmt.Errorf("admin endpoint: %w", err)
	}
	_, werr := tmp.WriteString(addr + "\n")
	if err := errors.Join(werr, tmp.Close()); err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("admin endpoint: %w", err)
	}
	if err := os.Rename(tmp.Name(), filepath.Join(stateDir, EndpointFile)); err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("admin endpoint: %w", err)
	}
	return nil
}

// ReadEndpoint returns the base URL (http://host:port) of the admin listener recorded in the
// state directory. A listener on all interfaces is reached through loopback.
func ReadEndpoint(stateDir string) (string, error) {
	b, err := os.ReadFile(filepath.Join(stateDir, EndpointFile))
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return "", fmt.Errorf("no admin endpoint recorded in %s: is genkan serve running with this --state-dir and an --admin-listen address?", stateDir)
		}
		return "", fmt.Errorf("admin endpoint: %w", err)
	}
	return BaseURL(strings.TrimSpace(string(b)))
}

// BaseURL turns a listen address or URL into the URL clients use.
func BaseURL(addr string) (string, error) {
	if strings.HasPrefix(addr, "http://") || strings.HasPrefix(addr, "https://") {
		return strings.TrimSuffix(addr, "/"), nil
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "", fmt.Errorf("admin address %q: %w", addr, err)
	}
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		host = "127.0.0.1"
		if ip != nil && ip.To4() == nil {
			host = "::1"
		}
	}
	return "http://" + net.JoinHostPort(host, port), nil
}
