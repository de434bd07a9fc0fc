package admin

import (
	"context"
	"errors"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/apigateway"
	"github.com/aws/aws-sdk-go-v2/service/apigateway/types"
	"github.com/aws/smithy-go"

	"github.com/genkanhq/genkan/internal/apimodel"
	"github.com/genkanhq/genkan/internal/auth/apikey"
)

const testToken = "test-admin-token-0123456789"

// fakeAuthorizers is the gateway's side of FlushAuthorizers: it knows api1 with stage prod.
type fakeAuthorizers struct{ flushed []string }

func (f *fakeAuthorizers) FlushAuthorizers(api, stage string) error {
	switch {
	case api != "api1":
		return ErrAPINotFound
	case stage != "prod":
		return ErrStageNotFound
	}
	f.flushed = append(f.flushed, api+"/"+stage)
	return nil
}

type fixture struct {
	store *apikey.Store
	srv   *httptest.Server
	authz *fakeAuthorizers
}

func newFixture(t *testing.T, disableAuth bool) *fixture {
	t.Helper()
	store, err := apikey.Open(t.TempDir(), apikey.Options{FlushInterval: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	err = store.Sync(
		[]*apimodel.APIKey{{Name: "declared", Plans: []string{"gold"}, Pos: apimodel.Position{File: "genkan.yaml", Line: 12, Column: 5}}},
		[]*apimodel.UsagePlan{{Name: "gold", Stages: []*apimodel.UsagePlanStage{{APIID: "api1", Stage: "prod"}},
			Quota: &apimodel.Quota{Limit: 100, Period: apimodel.QuotaDay}}})
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{store: store, authz: &fakeAuthorizers{}}
	f.srv = httptest.NewServer(NewHandler(Options{Keys: store, Authorizers: f.authz, Token: testToken, DisableAuth: disableAuth}))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fixture) client(accessKey, secret string) *apigateway.Client {
	cfg := aws.Config{
		Region:      "eu-west-1",
		Credentials: credentials.NewStaticCredentialsProvider(accessKey, secret, ""),
		HTTPClient:  f.srv.Client(),
	}
	return apigateway.NewFromConfig(cfg, func(o *apigateway.Options) {
		o.BaseEndpoint = aws.String(f.srv.URL)
		o.RetryMaxAttempts = 1
	})
}

func errorCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode() + ": " + ae.ErrorMessage()
	}
	if err == nil {
		return "<nil>"
	}
	return err.Error()
}

func TestSDKKeysAndPlans(t *testing.T) {
	f := newFixture(t, false)
	c := f.client(AccessKeyID, testToken)
	ctx := context.Background()

	created, err := c.CreateApiKey(ctx, &apigateway.CreateApiKeyInput{Name: aws.String("sdk"), Enabled: true, Description: aws.String("from the SDK")})
	if err != nil {
		t.Fatal(err)
	}
	if len(aws.ToString(created.Value)) != apikey.ValueLength || len(aws.ToString(created.Id)) != apikey.KeyIDLength || !created.Enabled {
		t.Fatalf("CreateApiKey: %+v", created)
	}
	id := aws.ToString(created.Id)

	_, err = c.CreateApiKey(ctx, &apigateway.CreateApiKeyInput{Name: aws.String("short"), Value: aws.String("short")})
	var bre *types.BadRequestException
	if !errors.As(err, &bre) || !strings.Contains(bre.ErrorMessage(), "at least 20 characters") {
		t.Fatalf("short value: %v", err)
	}
	_, err = c.CreateApiKey(ctx, &apigateway.CreateApiKeyInput{Value: created.Value})
	var ce *types.ConflictException
	if !errors.As(err, &ce) {
		t.Fatalf("duplicate value: %v", err)
	}

	got, err := c.GetApiKey(ctx, &apigateway.GetApiKeyInput{ApiKey: &id})
	if err != nil || got.Value != nil || aws.ToString(got.Description) != "from the SDK" || got.CreatedDate == nil {
		t.Fatalf("GetApiKey without value: %+v %v", got, err)
	}
	got, err = c.GetApiKey(ctx, &apigateway.GetApiKeyInput{ApiKey: &id, IncludeValue: aws.Bool(true)})
	if err != nil || aws.ToString(got.Value) != aws.ToString(created.Value) {
		t.Fatalf("GetApiKey with value: %+v %v", got, err)
	}
	_, err = c.GetApiKey(ctx, &apigateway.GetApiKeyInput{ApiKey: aws.String("nope")})
	var nfe *types.NotFoundException
	if !errors.As(err, &nfe) || nfe.ErrorMessage() != "Invalid API Key identifier specified" {
		t.Fatalf("GetApiKey unknown: %v", err)
	}

	list, err := c.GetApiKeys(ctx, &apigateway.GetApiKeysInput{IncludeValues: aws.Bool(true)})
	if err != nil || len(list.Items) != 2 {
		t.Fatalf("GetApiKeys: %+v %v", list, err)
	}
	for _, k := range list.Items {
		if k.Value == nil {
			t.Errorf("GetApiKeys includeValues: %s has no value", aws.ToString(k.Name))
		}
		if aws.ToString(k.Name) == "declared" && k.Tags[TagDeclared] != "genkan.yaml:12:5" {
			t.Errorf("declared key tags: %v", k.Tags)
		}
	}
	named, err := c.GetApiKeys(ctx, &apigateway.GetApiKeysInput{NameQuery: aws.String("sd")})
	if err != nil || len(named.Items) != 1 || named.Items[0].Value != nil {
		t.Fatalf("GetApiKeys nameQuery: %+v %v", named, err)
	}
	var pages, seen int
	for p := apigateway.NewGetApiKeysPaginator(c, &apigateway.GetApiKeysInput{Limit: aws.Int32(1)}); p.HasMorePages(); pages++ {
		out, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		seen += len(out.Items)
	}
	if pages != 2 || seen != 2 {
		t.Fatalf("paginated GetApiKeys: %d pages, %d keys", pages, seen)
	}

	upd, err := c.UpdateApiKey(ctx, &apigateway.UpdateApiKeyInput{ApiKey: &id, PatchOperations: []types.PatchOperation{
		{Op: types.OpReplace, Path: aws.String("/enabled"), Value: aws.String("false")},
		{Op: types.OpReplace, Path: aws.String("/name"), Value: aws.String("renamed")},
	}})
	if err != nil || upd.Enabled || aws.ToString(upd.Name) != "renamed" {
		t.Fatalf("UpdateApiKey: %+v %v", upd, err)
	}
	if _, _, ok := f.store.Authorize(aws.ToString(created.Value), "api1", "prod"); ok {
		t.Fatal("a disabled key authorizes")
	}
	declaredID := apikey.DerivedKeyID("declared")
	_, err = c.UpdateApiKey(ctx, &apigateway.UpdateApiKeyInput{ApiKey: &declaredID, PatchOperations: []types.PatchOperation{
		{Op: types.OpReplace, Path: aws.String("/enabled"), Value: aws.String("false")}}})
	if !errors.As(err, &bre) || !strings.Contains(bre.ErrorMessage(), "genkan.yaml:12:5; edit the file") {
		t.Fatalf("UpdateApiKey on a declared key: %v", err)
	}
	_, err = c.UpdateApiKey(ctx, &apigateway.UpdateApiKeyInput{ApiKey: &id, PatchOperations: []types.PatchOperation{
		{Op: types.OpReplace, Path: aws.String("/value"), Value: aws.String("x")}}})
	if !errors.As(err, &bre) {
		t.Fatalf("UpdateApiKey /value: %v", err)
	}

	plan, err := c.CreateUsagePlan(ctx, &apigateway.CreateUsagePlanInput{
		Name:      aws.String("sdk-plan"),
		ApiStages: []types.ApiStage{{ApiId: aws.String("api2"), Stage: aws.String("prod"), Throttle: map[string]types.ThrottleSettings{"/pets/GET": {BurstLimit: 5, RateLimit: 2.5}}}},
		Throttle:  &types.ThrottleSettings{BurstLimit: 10, RateLimit: 5},
		Quota:     &types.QuotaSettings{Limit: 3, Period: types.QuotaPeriodTypeWeek, Offset: 1},
	})
	if err != nil {
		t.Fatal(err)
	}
	planID := aws.ToString(plan.Id)
	gotPlan, err := c.GetUsagePlan(ctx, &apigateway.GetUsagePlanInput{UsagePlanId: &planID})
	if err != nil || gotPlan.Quota == nil || gotPlan.Quota.Limit != 3 || gotPlan.Quota.Period != types.QuotaPeriodTypeWeek ||
		gotPlan.Quota.Offset != 1 || gotPlan.Throttle.RateLimit != 5 || len(gotPlan.ApiStages) != 1 ||
		gotPlan.ApiStages[0].Throttle["/pets/GET"].BurstLimit != 5 {
		t.Fatalf("GetUsagePlan: %+v %v", gotPlan, err)
	}
	plans, err := c.GetUsagePlans(ctx, &apigateway.GetUsagePlansInput{})
	if err != nil || len(plans.Items) != 2 {
		t.Fatalf("GetUsagePlans: %+v %v", plans, err)
	}

	pk, err := c.CreateUsagePlanKey(ctx, &apigateway.CreateUsagePlanKeyInput{UsagePlanId: &planID, KeyId: &id, KeyType: aws.String("API_KEY")})
	if err != nil || aws.ToString(pk.Id) != id || aws.ToString(pk.Type) != "API_KEY" {
		t.Fatalf("CreateUsagePlanKey: %+v %v", pk, err)
	}
	_, err = c.CreateUsagePlanKey(ctx, &apigateway.CreateUsagePlanKeyInput{UsagePlanId: &planID, KeyId: &id, KeyType: aws.String("API_KEY")})
	if !errors.As(err, &ce) {
		t.Fatalf("CreateUsagePlanKey twice: %v", err)
	}
	keyPlans, err := c.GetUsagePlans(ctx, &apigateway.GetUsagePlansInput{KeyId: &id})
	if err != nil || len(keyPlans.Items) != 1 || aws.ToString(keyPlans.Items[0].Id) != planID {
		t.Fatalf("GetUsagePlans keyId: %+v %v", keyPlans, err)
	}
	planKeys, err := c.GetUsagePlanKeys(ctx, &apigateway.GetUsagePlanKeysInput{UsagePlanId: &planID})
	if err != nil || len(planKeys.Items) != 1 || aws.ToString(planKeys.Items[0].Value) != aws.ToString(created.Value) {
		t.Fatalf("GetUsagePlanKeys: %+v %v", planKeys, err)
	}
	if _, err := c.GetUsagePlanKey(ctx, &apigateway.GetUsagePlanKeyInput{UsagePlanId: &planID, KeyId: &id}); err != nil {
		t.Fatalf("GetUsagePlanKey: %v", err)
	}

	// Usage, counted by the store as the gateway will count it.
	today := time.Now().UTC()
	for range 2 {
		f.store.Record(id, planID, today)
	}
	day := today.Format(time.DateOnly)
	u, err := c.GetUsage(ctx, &apigateway.GetUsageInput{UsagePlanId: &planID, StartDate: &day, EndDate: &day})
	if err != nil || aws.ToString(u.UsagePlanId) != planID || aws.ToString(u.StartDate) != day {
		t.Fatalf("GetUsage: %+v %v", u, err)
	}
	if got := u.Items[id]; len(got) != 1 || !slices.Equal(got[0], []int64{2, 1}) {
		t.Fatalf("GetUsage items: %v", u.Items)
	}
	_, err = c.GetUsage(ctx, &apigateway.GetUsageInput{UsagePlanId: aws.String("nope"), StartDate: &day, EndDate: &day})
	if !errors.As(err, &nfe) || nfe.ErrorMessage() != "Invalid Usage Plan ID specified" {
		t.Fatalf("GetUsage unknown plan: %v", err)
	}

	gold := apikey.DerivedPlanID("gold")
	_, err = c.DeleteUsagePlanKey(ctx, &apigateway.DeleteUsagePlanKeyInput{UsagePlanId: &gold, KeyId: &declaredID})
	if !errors.As(err, &bre) {
		t.Fatalf("DeleteUsagePlanKey of a declared membership: %v", err)
	}
	if _, err := c.DeleteUsagePlanKey(ctx, &apigateway.DeleteUsagePlanKeyInput{UsagePlanId: &planID, KeyId: &id}); err != nil {
		t.Fatalf("DeleteUsagePlanKey: %v", err)
	}
	if _, err := c.DeleteApiKey(ctx, &apigateway.DeleteApiKeyInput{ApiKey: &id}); err != nil {
		t.Fatalf("DeleteApiKey: %v", err)
	}
	if _, err := c.GetApiKey(ctx, &apigateway.GetApiKeyInput{ApiKey: &id}); !errors.As(err, &nfe) {
		t.Fatalf("GetApiKey after delete: %v", err)
	}
	if _, err := c.DeleteApiKey(ctx, &apigateway.DeleteApiKeyInput{ApiKey: &declaredID}); !errors.As(err, &bre) {
		t.Fatalf("DeleteApiKey of a declared key: %v", err)
	}
	if _, err := c.DeleteUsagePlan(ctx, &apigateway.DeleteUsagePlanInput{UsagePlanId: &planID}); err != nil {
		t.Fatalf("DeleteUsagePlan: %v", err)
	}
}

func TestSDKFlushAuthorizers(t *testing.T) {
	f := newFixture(t, false)
	c := f.client(AccessKeyID, testToken)
	tests := []struct {
		api, stage, want string
	}{
		{"api1", "prod", "<nil>"},
		{"api2", "prod", "NotFoundException: Invalid API identifier specified"},
		{"api1", "dev", "NotFoundException: Invalid stage identifier specified"},
	}
	for _, tt := range tests {
		_, err := c.FlushStageAuthorizersCache(context.Background(), &apigateway.FlushStageAuthorizersCacheInput{RestApiId: &tt.api, StageName: &tt.stage})
		if got := errorCode(err); got != tt.want {
			t.Errorf("flush %s/%s: %s, want %s", tt.api, tt.stage, got, tt.want)
		}
	}
	if !slices.Equal(f.authz.flushed, []string{"api1/prod"}) {
		t.Fatalf("flushed %v", f.authz.flushed)
	}
}

func TestSDKRejectsWrongCredentials(t *testing.T) {
	f := newFixture(t, false)
	tests := []struct {
		name, key, secret, want string
	}{
		{"wrong token", AccessKeyID, "not-the-token", "InvalidSignatureException"},
		{"unknown access key", "AKIAIOSFODNN7EXAMPLE", testToken, "UnrecognizedClientException"},
	}
	for _, tt := range tests {
		_, err := f.client(tt.key, tt.secret).GetApiKeys(context.Background(), &apigateway.GetApiKeysInput{})
		if got := errorCode(err); !strings.HasPrefix(got, tt.want+":") {
			t.Errorf("%s: %s, want %s", tt.name, got, tt.want)
		}
	}
	if len(f.store.Keys()) != 1 {
		t.Fatal("a rejected request changed the store")
	}
}
