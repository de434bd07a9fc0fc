package server

import (
	"fmt"
	"io"
	"time"

	"github.com/genkanhq/genkan/internal/admin"
	"github.com/genkanhq/genkan/internal/apimodel"
	"github.com/genkanhq/genkan/internal/auth/apikey"
)

// keyStore adapts the API-key store to the access stage's view of it.
type keyStore struct{ s *apikey.Store }

func (k keyStore) AuthorizeKey(value, apiID, stage string) (string, string, bool) {
	key, plan, ok := k.s.Authorize(value, apiID, stage)
	if !ok {
		return "", "", false
	}
	return key.ID, plan.ID, true
}

func (k keyStore) Record(keyID, planID string, at time.Time) { k.s.Record(keyID, planID, at) }

// acceptAnyKey stands in for the store where nothing is served (validate, routes).
type acceptAnyKey struct{}

func (acceptAnyKey) AuthorizeKey(string, string, string) (string, string, bool) { return "", "", false }
func (acceptAnyKey) Record(string, string, time.Time)                           {}

// FlushAuthorizers empties the result caches of an API stage's Lambda authorizers (the admin
// API's FlushStageAuthorizersCache and ResetAuthorizersCache). Caches are per authorizer
// and keyed by stage inside, so flushing one authorizer's cache for every stage is a
// superset that never serves a stale result.
func (s *Server) FlushAuthorizers(apiID, stage string) error {
	t := s.tables.Load()
	for _, a := range t.APIs {
		if a.ID != apiID {
			continue
		}
		if _, ok := a.Stages[stage]; !ok {
			return fmt.Errorf("%w: %s", admin.ErrStageNotFound, stage)
		}
		for _, f := range a.Authorizers {
			f.Flush()
		}
		return nil
	}
	return fmt.Errorf("%w: %s", admin.ErrAPINotFound, apiID)
}

// adminToken loads (or, on first start, creates and announces once) the admin API token.
func (s *Server) adminToken() (string, error) {
	if s.opts.AdminNoAuth {
		if !admin.IsLoopback(s.opts.AdminListen) {
			return "", fmt.Errorf("--admin-no-auth is only allowed with a loopback --admin-listen, not %s", s.opts.AdminListen)
		}
		return "", nil
	}
	token, created, err := admin.LoadOrCreateToken(s.opts.StateDir)
	if err != nil {
		return "", fmt.Errorf("admin token: %w", err)
	}
	if created {
		w := s.opts.Listing
		if w == nil {
			w = io.Discard
		}
		fmt.Fprintf(w, "Admin API token (shown once; kept in %s/%s): %s\n", s.opts.StateDir, admin.TokenFile, token)
		s.log.Info("created the admin API token", "file", s.opts.StateDir+"/"+admin.TokenFile)
	}
	return token, nil
}

// syncKeys brings the store in line with the configuration's keys and plans.
func (s *Server) syncKeys(cfg *apimodel.Config) error {
	if s.keys == nil {
		return nil
	}
	return s.keys.Sync(cfg.APIKeys, cfg.UsagePlans)
}
