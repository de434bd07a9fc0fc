package access

import (
	"time"

	"github.com/genkanhq/genkan/internal/apierr"
	"github.com/genkanhq/genkan/internal/gateway"
)

// KeyStore is what the API-key stage needs from the key and usage-plan state.
type KeyStore interface {
	// AuthorizeKey finds an enabled key with this value that a usage plan binds to the API
	// stage.
	AuthorizeKey(value, apiID, stage string) (keyID, planID string, ok bool)
	// Record counts one request against the key's usage.
	Record(keyID, planID string, at time.Time)
}

// KeyCheck enforces apiKeyRequired on a REST method.
type KeyCheck struct {
	Store KeyStore
	// FromAuthorizer reads the key from the Lambda authorizer's usageIdentifierKey
	// (apiKeySource AUTHORIZER) instead of the x-api-key header.
	FromAuthorizer bool
}

// check answers 403 {"message":"Forbidden"} (INVALID_API_KEY) for a missing, unknown,
// disabled or unbound key. A key in the query string is not a key: AWS reads the header only.
func (k *KeyCheck) check(c *gateway.Call, now time.Time) error {
	var value string
	if k.FromAuthorizer {
		value = c.Ctx.Authorizer.UsageIdentifierKey
	} else {
		value = c.Req.Header.Get("X-Api-Key")
	}
	if value == "" {
		return apierr.New(apierr.InvalidAPIKey, "")
	}
	keyID, planID, ok := k.Store.AuthorizeKey(value, c.Ctx.APIID, c.Ctx.Stage)
	if !ok {
		return apierr.New(apierr.InvalidAPIKey, "")
	}
	c.Ctx.Identity.APIKey = value
	c.Ctx.Identity.APIKeyID = keyID
	k.Store.Record(keyID, planID, now)
	return nil
}
