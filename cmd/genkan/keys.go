package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/genkanhq/genkan/internal/admin"
	"github.com/genkanhq/genkan/internal/auth/apikey"
)

// keysCmd manages API keys through a running genkan's admin API, so that changes reach the
// gateway at once and go through the same checks as the AWS CLI's.
func keysCmd(stdout io.Writer) *cobra.Command {
	var stateDir, adminAddr string
	cmd := &cobra.Command{
		Use:   "keys",
		Short: "Create, list, enable, disable and delete API keys and show usage (through the admin API)",
	}
	cmd.PersistentFlags().StringVar(&stateDir, "state-dir", ".genkan", "the state directory of the genkan serve to manage (admin address and token)")
	cmd.PersistentFlags().StringVar(&adminAddr, "admin", "", "admin API address (default: the one genkan serve recorded in --state-dir)")
	client := func() (*adminClient, error) { return newAdminClient(stateDir, adminAddr) }
	cmd.AddCommand(keysCreateCmd(stdout, client), keysListCmd(stdout, client),
		keysEnableCmd(stdout, client, true), keysEnableCmd(stdout, client, false),
		keysDeleteCmd(stdout, client), keysUsageCmd(stdout, client))
	return cmd
}

// Wire shapes of the admin API (API Gateway's), as far as the CLI reads them.
type (
	wireKey struct {
		ID          string            `json:"id"`
		Name        string            `json:"name"`
		Value       string            `json:"value"`
		Description string            `json:"description"`
		Enabled     bool              `json:"enabled"`
		Tags        map[string]string `json:"tags"`
	}
	wirePlan struct {
		ID    string `json:"id"`
		Name  string `json:"name"`
		Quota *struct {
			Limit  int    `json:"limit"`
			Period string `json:"period"`
		} `json:"quota"`
	}
	wireList[T any] struct {
		Item     []T    `json:"item"`
		Position string `json:"position"`
	}
	wireUsage struct {
		Values   map[string][][2]int64 `json:"values"`
		Position string                `json:"position"`
	}
)

type adminClient struct {
	base, token string
	http        *http.Client
}

func newAdminClient(stateDir, addr string) (*adminClient, error) {
	var base string
	var err error
	if addr != "" {
		base, err = admin.BaseURL(addr)
	} else {
		base, err = admin.ReadEndpoint(stateDir)
	}
	if err != nil {
		return nil, err
	}
	// No token file is fine for an admin listener started without authentication.
	token, err := admin.ReadToken(stateDir)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	return &adminClient{base: base, token: token, http: &http.Client{Timeout: 30 * time.Second}}, nil
}

// apiError is an admin API refusal, printed as AWS's CLI prints them.
type apiError struct {
	status        int
	kind, message string
}

func (e *apiError) Error() string { return e.kind + ": " + e.message }

func (c *adminClient) call(ctx context.Context, method, path string, q url.Values, in, out any) error {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(b)
	}
	u := c.base + path
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, method, u, body)
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return fmt.Errorf("admin API: %w", err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return fmt.Errorf("admin API: %w", err)
	}
	if resp.StatusCode >= 300 {
		e := &apiError{status: resp.StatusCode, kind: resp.Header.Get("X-Amzn-ErrorType"), message: strings.TrimSpace(string(b))}
		var m struct{ Message string }
		if json.Unmarshal(b, &m) == nil && m.Message != "" {
			e.message = m.Message
		}
		if e.kind == "" {
			e.kind = resp.Status
		}
		return e
	}
	if out == nil || len(b) == 0 {
		return nil
	}
	return json.Unmarshal(b, out)
}

func isNotFound(err error) bool {
	var e *apiError
	return errors.As(err, &e) && e.status == http.StatusNotFound
}

// all follows a collection's positions to its end.
func all[T any](ctx context.Context, c *adminClient, path string, q url.Values) ([]T, error) {
	q = cloneValues(q)
	q.Set("limit", "500")
	var out []T
	for {
		var page wireList[T]
		if err := c.call(ctx, http.MethodGet, path, q, nil, &page); err != nil {
			return nil, err
		}
		out = append(out, page.Item...)
		if page.Position == "" {
			return out, nil
		}
		q.Set("position", page.Position)
	}
}

func cloneValues(q url.Values) url.Values {
	out := url.Values{}
	for k, v := range q {
		out[k] = slices.Clone(v)
	}
	return out
}

// resolveKey accepts an id or a name, ids first since names need not be unique.
func (c *adminClient) resolveKey(ctx context.Context, ref string) (wireKey, error) {
	var k wireKey
	err := c.call(ctx, http.MethodGet, "/apikeys/"+url.PathEscape(ref), nil, nil, &k)
	if !isNotFound(err) {
		return k, err
	}
	keys, err := all[wireKey](ctx, c, "/apikeys", url.Values{"name": {ref}})
	if err != nil {
		return k, err
	}
	keys = slices.DeleteFunc(keys, func(k wireKey) bool { return k.Name != ref })
	return only(keys, "API key", ref, func(k wireKey) string { return k.ID })
}

func (c *adminClient) resolvePlan(ctx context.Context, ref string) (wirePlan, error) {
	var p wirePlan
	err := c.call(ctx, http.MethodGet, "/usageplans/"+url.PathEscape(ref), nil, nil, &p)
	if !isNotFound(err) {
		return p, err
	}
	plans, err := all[wirePlan](ctx, c, "/usageplans", nil)
	if err != nil {
		return p, err
	}
	plans = slices.DeleteFunc(plans, func(p wirePlan) bool { return p.Name != ref })
	return only(plans, "usage plan", ref, func(p wirePlan) string { return p.ID })
}

func only[T any](xs []T, what, ref string, id func(T) string) (T, error) {
	var zero T
	switch len(xs) {
	case 0:
		return zero, fmt.Errorf("no %s with id or name %q", what, ref)
	case 1:
		return xs[0], nil
	}
	var ids []string
	for _, x := range xs {
		ids = append(ids, id(x))
	}
	return zero, fmt.Errorf("several %ss are named %q (ids %s); use an id", what, ref, strings.Join(ids, ", "))
}

func shown(value string, reveal bool) string {
	if reveal {
		return value
	}
	return apikey.Mask(value)
}

func source(k wireKey) string {
	if pos, ok := k.Tags[admin.TagDeclared]; ok {
		return "config " + pos
	}
	return "api"
}

func keysCreateCmd(stdout io.Writer, client func() (*adminClient, error)) *cobra.Command {
	var name, value, plan, description string
	var reveal bool
	cmd := &cobra.Command{
		Use:   "create --name NAME [--value VALUE] [--plan PLAN] [--description TEXT]",
		Short: "Create an enabled API key (value generated unless given), optionally in a usage plan",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := client()
			if err != nil {
				return err
			}
			ctx := cmd.Context()
			var p wirePlan
			if plan != "" { // before creating anything, so that a wrong plan leaves no stray key
				if p, err = c.resolvePlan(ctx, plan); err != nil {
					return err
				}
			}
			var k wireKey
			in := map[string]any{"name": name, "description": description, "enabled": true}
			if value != "" {
				in["value"] = value
			}
			if err := c.call(ctx, http.MethodPost, "/apikeys", nil, in, &k); err != nil {
				return err
			}
			plans := ""
			if plan != "" {
				if err := c.call(ctx, http.MethodPost, "/usageplans/"+url.PathEscape(p.ID)+"/keys", nil,
					map[string]string{"keyId": k.ID, "keyType": "API_KEY"}, nil); err != nil {
					return fmt.Errorf("API key %s created, but not added to usage plan %s: %w", k.ID, p.Name, err)
				}
				plans = p.Name
			}
			tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tNAME\tPLANS\tVALUE")
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", k.ID, k.Name, dash(plans), shown(k.Value, reveal))
			return tw.Flush()
		},
	}
	f := cmd.Flags()
	f.StringVar(&name, "name", "", "the key's name")
	f.StringVar(&value, "value", "", "the key's value (20 to 128 characters; default: generated)")
	f.StringVar(&plan, "plan", "", "usage plan (name or id) to add the key to")
	f.StringVar(&description, "description", "", "the key's description")
	f.BoolVar(&reveal, "values", false, "print the value instead of its last four characters")
	cmd.MarkFlagRequired("name")
	return cmd
}

func keysListCmd(stdout io.Writer, client func() (*adminClient, error)) *cobra.Command {
	var reveal bool
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List API keys with their usage plans; values masked unless --values",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := client()
			if err != nil {
				return err
			}
			ctx := cmd.Context()
			keys, err := all[wireKey](ctx, c, "/apikeys", url.Values{"includeValues": {"true"}})
			if err != nil {
				return err
			}
			plans, err := all[wirePlan](ctx, c, "/usageplans", nil)
			if err != nil {
				return err
			}
			planNames := map[string][]string{}
			for _, p := range plans {
				members, err := all[wireKey](ctx, c, "/usageplans/"+url.PathEscape(p.ID)+"/keys", nil)
				if err != nil {
					return err
				}
				for _, m := range members {
					planNames[m.ID] = append(planNames[m.ID], p.Name)
				}
			}
			slices.SortFunc(keys, func(a, b wireKey) int { return strings.Compare(a.Name+"\x00"+a.ID, b.Name+"\x00"+b.ID) })
			tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tNAME\tENABLED\tPLANS\tSOURCE\tVALUE")
			for _, k := range keys {
				fmt.Fprintf(tw, "%s\t%s\t%t\t%s\t%s\t%s\n", k.ID, k.Name, k.Enabled, dash(strings.Join(planNames[k.ID], ",")), source(k), shown(k.Value, reveal))
			}
			return tw.Flush()
		},
	}
	cmd.Flags().BoolVar(&reveal, "values", false, "print values instead of their last four characters")
	return cmd
}

func keysEnableCmd(stdout io.Writer, client func() (*adminClient, error), enable bool) *cobra.Command {
	verb := "disable"
	if enable {
		verb = "enable"
	}
	return &cobra.Command{
		Use:   verb + " ID|NAME",
		Short: strings.ToUpper(verb[:1]) + verb[1:] + " an API key created through the admin API",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := client()
			if err != nil {
				return err
			}
			k, err := c.resolveKey(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			patch := map[string]any{"patchOperations": []map[string]string{{"op": "replace", "path": "/enabled", "value": strconv.FormatBool(enable)}}}
			if err := c.call(cmd.Context(), http.MethodPatch, "/apikeys/"+url.PathEscape(k.ID), nil, patch, nil); err != nil {
				return err
			}
			fmt.Fprintf(stdout, "%sd API key %s (%s)\n", verb, k.ID, k.Name)
			return nil
		},
	}
}

func keysDeleteCmd(stdout io.Writer, client func() (*adminClient, error)) *cobra.Command {
	return &cobra.Command{
		Use:   "delete ID|NAME",
		Short: "Delete an API key created through the admin API",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := client()
			if err != nil {
				return err
			}
			k, err := c.resolveKey(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			if err := c.call(cmd.Context(), http.MethodDelete, "/apikeys/"+url.PathEscape(k.ID), nil, nil, nil); err != nil {
				return err
			}
			fmt.Fprintf(stdout, "deleted API key %s (%s)\n", k.ID, k.Name)
			return nil
		},
	}
}

func keysUsageCmd(stdout io.Writer, client func() (*adminClient, error)) *cobra.Command {
	var plan, key, from, to string
	cmd := &cobra.Command{
		Use:   "usage --plan PLAN [--key ID|NAME] [--from YYYY-MM-DD --to YYYY-MM-DD]",
		Short: "Show requests per key and day under a usage plan, and what remains of its quota",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			end, start, err := usageRange(from, to, time.Now().UTC())
			if err != nil {
				return err
			}
			c, err := client()
			if err != nil {
				return err
			}
			ctx := cmd.Context()
			p, err := c.resolvePlan(ctx, plan)
			if err != nil {
				return err
			}
			q := url.Values{"startDate": {start.Format(time.DateOnly)}, "endDate": {end.Format(time.DateOnly)}, "limit": {"500"}}
			if key != "" {
				k, err := c.resolveKey(ctx, key)
				if err != nil {
					return err
				}
				q.Set("keyId", k.ID)
			}
			values := map[string][][2]int64{}
			for {
				var u wireUsage
				if err := c.call(ctx, http.MethodGet, "/usageplans/"+url.PathEscape(p.ID)+"/usage", q, nil, &u); err != nil {
					return err
				}
				for id, v := range u.Values {
					values[id] = v
				}
				if u.Position == "" {
					break
				}
				q.Set("position", u.Position)
			}
			keys, err := all[wireKey](ctx, c, "/apikeys", nil)
			if err != nil {
				return err
			}
			names := map[string]string{}
			for _, k := range keys {
				names[k.ID] = k.Name
			}
			tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "DATE\tKEY\tNAME\tUSED\tREMAINING")
			for _, id := range slices.Sorted(maps.Keys(values)) {
				for i, day := range values[id] {
					remaining := strconv.FormatInt(day[1], 10)
					if p.Quota == nil {
						remaining = "-"
					}
					fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\n", start.AddDate(0, 0, i).Format(time.DateOnly), id, dash(names[id]), day[0], remaining)
				}
			}
			return tw.Flush()
		},
	}
	f := cmd.Flags()
	f.StringVar(&plan, "plan", "", "usage plan (name or id)")
	f.StringVar(&key, "key", "", "only this API key (id or name)")
	f.StringVar(&from, "from", "", "first day, YYYY-MM-DD (default: six days before --to)")
	f.StringVar(&to, "to", "", "last day, YYYY-MM-DD (default: today, UTC)")
	cmd.MarkFlagRequired("plan")
	return cmd
}

// usageRange resolves --from and --to; usage days are UTC days, as AWS reports them.
func usageRange(from, to string, now time.Time) (end, start time.Time, err error) {
	end = time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
	if to != "" {
		if end, err = time.Parse(time.DateOnly, to); err != nil {
			return end, start, fmt.Errorf("--to %q: want YYYY-MM-DD", to)
		}
	}
	start = end.AddDate(0, 0, -6)
	if from != "" {
		if start, err = time.Parse(time.DateOnly, from); err != nil {
			return end, start, fmt.Errorf("--from %q: want YYYY-MM-DD", from)
		}
	}
	if start.After(end) {
		return end, start, fmt.Errorf("--from %s is after --to %s", start.Format(time.DateOnly), end.Format(time.DateOnly))
	}
	return end, start, nil
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
