package admin

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/genkanhq/genkan/internal/apimodel"
	"github.com/genkanhq/genkan/internal/auth/apikey"
)

// TagDeclared marks keys and plans that configuration declares (read-only through this API);
// its value is where they are declared. Tags are a field of AWS's ApiKey and UsagePlan, so
// SDKs and the CLI show it without knowing about genkan.
const TagDeclared = "genkan:declared"

// apiKey is API Gateway's ApiKey resource. Dates are epoch seconds, as the REST-JSON protocol
// encodes timestamps.
type apiKey struct {
	ID              string            `json:"id"`
	Value           string            `json:"value,omitempty"`
	Name            string            `json:"name,omitempty"`
	CustomerID      string            `json:"customerId,omitempty"`
	Description     string            `json:"description,omitempty"`
	Enabled         bool              `json:"enabled"`
	CreatedDate     int64             `json:"createdDate"`
	LastUpdatedDate int64             `json:"lastUpdatedDate"`
	StageKeys       []string          `json:"stageKeys"`
	Tags            map[string]string `json:"tags,omitempty"`
}

func toAPIKey(k *apikey.Key, withValue bool) apiKey {
	out := apiKey{ID: k.ID, Name: k.Name, CustomerID: k.CustomerID, Description: k.Description, Enabled: k.Enabled,
		CreatedDate: k.Created.Unix(), LastUpdatedDate: k.Updated.Unix(), StageKeys: k.StageKeys, Tags: declaredTag(k.Declared, k.Pos)}
	if out.StageKeys == nil {
		out.StageKeys = []string{}
	}
	if withValue {
		out.Value = k.Value
	}
	return out
}

func declaredTag(declared bool, pos apimodel.Position) map[string]string {
	if !declared {
		return nil
	}
	return map[string]string{TagDeclared: pos.String()}
}

func flag(r *http.Request, name string) bool {
	b, _ := strconv.ParseBool(r.URL.Query().Get(name))
	return b
}

func (h *handler) createKey(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		Name        string `json:"name"`
		Description string `json:"description"`
		Enabled     bool   `json:"enabled"`
		Value       string `json:"value"`
		CustomerID  string `json:"customerId"`
		StageKeys   []struct {
			RestAPIID string `json:"restApiId"`
			StageName string `json:"stageName"`
		} `json:"stageKeys"`
	}
	if err := decode(r, &in); err != nil {
		return err
	}
	ki := apikey.KeyInput{Name: in.Name, Value: in.Value, Description: in.Description, CustomerID: in.CustomerID, Enabled: in.Enabled}
	for _, sk := range in.StageKeys {
		ki.StageKeys = append(ki.StageKeys, sk.RestAPIID+"/"+sk.StageName)
	}
	k, err := h.keys.CreateKey(ki)
	if err != nil {
		return err
	}
	h.log.Info("API key created", "id", k.ID, "name", k.Name, "value", apikey.Mask(k.Value))
	// CreateApiKey answers with the value: it is how a caller learns a generated one.
	return writeJSON(w, http.StatusCreated, toAPIKey(k, true))
}

func (h *handler) getKeys(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	// The SDKs send GetApiKeys' nameQuery as "name"; accept the member name too.
	name := q.Get("name")
	if name == "" {
		name = q.Get("nameQuery")
	}
	customer := q.Get("customerId")
	var keys []*apikey.Key
	for _, k := range h.keys.Keys() {
		if strings.HasPrefix(k.Name, name) && (customer == "" || k.CustomerID == customer) {
			keys = append(keys, k)
		}
	}
	items, next, err := page(r, keys, func(k *apikey.Key) string { return k.ID })
	if err != nil {
		return err
	}
	withValues := flag(r, "includeValues")
	out := list[apiKey]{Item: []apiKey{}, Position: next}
	for _, k := range items {
		out.Item = append(out.Item, toAPIKey(k, withValues))
	}
	return writeJSON(w, http.StatusOK, out)
}

func (h *handler) getKey(w http.ResponseWriter, r *http.Request) error {
	k, ok := h.keys.Key(r.PathValue("apiKey"))
	if !ok {
		return notFound("Invalid API Key identifier specified")
	}
	return writeJSON(w, http.StatusOK, toAPIKey(k, flag(r, "includeValue")))
}

// patchOp is one JSON-Patch-like operation of API Gateway's Update* calls.
type patchOp struct {
	Op    string `json:"op"`
	Path  string `json:"path"`
	Value string `json:"value"`
	From  string `json:"from"`
}

func (h *handler) updateKey(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		PatchOperations []patchOp `json:"patchOperations"`
	}
	if err := decode(r, &in); err != nil {
		return err
	}
	var u apikey.KeyUpdate
	for _, op := range in.PatchOperations {
		if op.Op != "replace" {
			return badRequest("Invalid patch operation specified. Must be 'replace' for API keys, got '%s'", op.Op)
		}
		v := op.Value
		switch op.Path {
		case "/name":
			u.Name = &v
		case "/description":
			u.Description = &v
		case "/customerId":
			u.CustomerID = &v
		case "/enabled":
			b, err := strconv.ParseBool(v)
			if err != nil {
				return badRequest("Invalid value for /enabled: '%s'. Must be true or false", v)
			}
			u.Enabled = &b
		default:
			return badRequest("Invalid patch path '%s' specified for op 'replace'. Must be one of: [/name, /description, /enabled, /customerId]", op.Path)
		}
	}
	k, err := h.keys.UpdateKey(r.PathValue("apiKey"), u)
	if err != nil {
		return err
	}
	h.log.Info("API key updated", "id", k.ID, "name", k.Name, "enabled", k.Enabled)
	return writeJSON(w, http.StatusOK, toAPIKey(k, false))
}

func (h *handler) deleteKey(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("apiKey")
	if err := h.keys.DeleteKey(id); err != nil {
		return err
	}
	h.log.Info("API key deleted", "id", id)
	w.WriteHeader(http.StatusAccepted)
	return nil
}
