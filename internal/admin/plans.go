package admin

import (
	"maps"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/genkanhq/genkan/internal/apimodel"
	"github.com/genkanhq/genkan/internal/auth/apikey"
)

// usagePlan is API Gateway's UsagePlan resource; apimodel's Throttle and Quota and apikey's
// Stage already carry its JSON member names.
type usagePlan struct {
	ID          string             `json:"id"`
	Name        string             `json:"name"`
	Description string             `json:"description,omitempty"`
	APIStages   []apikey.Stage     `json:"apiStages"`
	Throttle    *apimodel.Throttle `json:"throttle,omitempty"`
	Quota       *apimodel.Quota    `json:"quota,omitempty"`
	Tags        map[string]string  `json:"tags,omitempty"`
}

func toUsagePlan(p *apikey.Plan) usagePlan {
	out := usagePlan{ID: p.ID, Name: p.Name, Description: p.Description, APIStages: p.Stages,
		Throttle: p.Throttle, Quota: p.Quota, Tags: declaredTag(p.Declared, p.Pos)}
	if out.APIStages == nil {
		out.APIStages = []apikey.Stage{}
	}
	return out
}

// usagePlanKey is API Gateway's UsagePlanKey: a key as a member of a plan.
type usagePlanKey struct {
	ID    string `json:"id"`
	Type  string `json:"type"`
	Value string `json:"value"`
	Name  string `json:"name,omitempty"`
}

func toUsagePlanKey(k *apikey.Key) usagePlanKey {
	return usagePlanKey{ID: k.ID, Type: "API_KEY", Value: k.Value, Name: k.Name}
}

func (h *handler) createPlan(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		Name        string             `json:"name"`
		Description string             `json:"description"`
		APIStages   []apikey.Stage     `json:"apiStages"`
		Throttle    *apimodel.Throttle `json:"throttle"`
		Quota       *apimodel.Quota    `json:"quota"`
	}
	if err := decode(r, &in); err != nil {
		return err
	}
	p, err := h.keys.CreatePlan(apikey.PlanInput{Name: in.Name, Description: in.Description, Stages: in.APIStages,
		Throttle: in.Throttle, Quota: in.Quota})
	if err != nil {
		return err
	}
	h.log.Info("usage plan created", "id", p.ID, "name", p.Name)
	return writeJSON(w, http.StatusCreated, toUsagePlan(p))
}

func (h *handler) getPlans(w http.ResponseWriter, r *http.Request) error {
	plans := h.keys.Plans()
	if keyID := r.URL.Query().Get("keyId"); keyID != "" {
		k, ok := h.keys.Key(keyID)
		if !ok {
			return notFound("Invalid API Key identifier specified")
		}
		plans = slices.DeleteFunc(plans, func(p *apikey.Plan) bool { return !slices.Contains(k.Plans, p.ID) })
	}
	items, next, err := page(r, plans, func(p *apikey.Plan) string { return p.ID })
	if err != nil {
		return err
	}
	out := list[usagePlan]{Item: []usagePlan{}, Position: next}
	for _, p := range items {
		out.Item = append(out.Item, toUsagePlan(p))
	}
	return writeJSON(w, http.StatusOK, out)
}

func (h *handler) plan(r *http.Request) (*apikey.Plan, error) {
	p, ok := h.keys.Plan(r.PathValue("usagePlanId"))
	if !ok {
		return nil, notFound("Invalid Usage Plan ID specified")
	}
	return p, nil
}

func (h *handler) getPlan(w http.ResponseWriter, r *http.Request) error {
	p, err := h.plan(r)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, toUsagePlan(p))
}

func (h *handler) deletePlan(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("usagePlanId")
	if err := h.keys.DeletePlan(id); err != nil {
		return err
	}
	h.log.Info("usage plan deleted", "id", id)
	w.WriteHeader(http.StatusAccepted)
	return nil
}

func (h *handler) createPlanKey(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		KeyID   string `json:"keyId"`
		KeyType string `json:"keyType"`
	}
	if err := decode(r, &in); err != nil {
		return err
	}
	if in.KeyType != "API_KEY" {
		return badRequest("Invalid key type specified: '%s'. Must be API_KEY", in.KeyType)
	}
	planID := r.PathValue("usagePlanId")
	k, err := h.keys.AddPlanKey(planID, in.KeyID)
	if err != nil {
		return err
	}
	h.log.Info("API key added to usage plan", "key", k.ID, "plan", planID)
	return writeJSON(w, http.StatusCreated, toUsagePlanKey(k))
}

func (h *handler) getPlanKeys(w http.ResponseWriter, r *http.Request) error {
	keys, err := h.keys.PlanKeys(r.PathValue("usagePlanId"))
	if err != nil {
		return err
	}
	name := r.URL.Query().Get("name")
	keys = slices.DeleteFunc(keys, func(k *apikey.Key) bool { return !strings.HasPrefix(k.Name, name) })
	items, next, err := page(r, keys, func(k *apikey.Key) string { return k.ID })
	if err != nil {
		return err
	}
	out := list[usagePlanKey]{Item: []usagePlanKey{}, Position: next}
	for _, k := range items {
		out.Item = append(out.Item, toUsagePlanKey(k))
	}
	return writeJSON(w, http.StatusOK, out)
}

func (h *handler) getPlanKey(w http.ResponseWriter, r *http.Request) error {
	p, err := h.plan(r)
	if err != nil {
		return err
	}
	k, ok := h.keys.Key(r.PathValue("keyId"))
	if !ok || !slices.Contains(k.Plans, p.ID) {
		return notFound("Invalid API Key identifier specified")
	}
	return writeJSON(w, http.StatusOK, toUsagePlanKey(k))
}

func (h *handler) deletePlanKey(w http.ResponseWriter, r *http.Request) error {
	planID, keyID := r.PathValue("usagePlanId"), r.PathValue("keyId")
	if err := h.keys.RemovePlanKey(planID, keyID); err != nil {
		return err
	}
	h.log.Info("API key removed from usage plan", "key", keyID, "plan", planID)
	w.WriteHeader(http.StatusAccepted)
	return nil
}

// usage is GetUsage's answer. Its map is "values" on the wire (the SDKs and the CLI call the
// member "items"); each key's list has one [used, remaining] pair per day.
type usage struct {
	UsagePlanID string                `json:"usagePlanId"`
	StartDate   string                `json:"startDate"`
	EndDate     string                `json:"endDate"`
	Values      map[string][][2]int64 `json:"values"`
	Position    string                `json:"position,omitempty"`
}

func (h *handler) getUsage(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	start, err := parseDate(q.Get("startDate"), "startDate")
	if err != nil {
		return err
	}
	end, err := parseDate(q.Get("endDate"), "endDate")
	if err != nil {
		return err
	}
	u, err := h.keys.Usage(r.PathValue("usagePlanId"), q.Get("keyId"), start, end)
	if err != nil {
		return err
	}
	keys, next, err := page(r, slices.Sorted(maps.Keys(u.Items)), func(id string) string { return id })
	if err != nil {
		return err
	}
	out := usage{UsagePlanID: u.PlanID, StartDate: u.Start, EndDate: u.End, Values: map[string][][2]int64{}, Position: next}
	for _, k := range keys {
		out.Values[k] = u.Items[k]
	}
	return writeJSON(w, http.StatusOK, out)
}

func parseDate(s, name string) (time.Time, error) {
	if s == "" {
		return time.Time{}, badRequest("%s must be specified", name)
	}
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return time.Time{}, badRequest("Invalid %s '%s': expected YYYY-MM-DD", name, s)
	}
	return t, nil
}
