package sam

import "testing"

func TestIsSAM(t *testing.T) {
	tests := []struct {
		name, data string
		want       bool
	}{
		{"sam transform", "Transform: AWS::Serverless-2016-10-31\nResources:\n  A: {Type: AWS::Serverless::Function}\n", true},
		{"sam transform list", "Transform:\n  - AWS::LanguageExtensions\n  - 'AWS::Serverless-2016-10-31'\nResources: {}\n", true},
		{"cloudformation", "AWSTemplateFormatVersion: \"2010-09-09\"\nResources:\n  T:\n    Type: AWS::SNS::Topic\n", true},
		{"cdk output", "Resources:\n  T:\n    Type: AWS::SNS::Topic\n", true},
		{"json", `{"AWSTemplateFormatVersion": "2010-09-09", "Resources": {}}`, true},
		{"json cdk", `{"Resources": {"T": {"Type": "AWS::SNS::Topic"}}}`, true},
		{"bom", "\xef\xbb\xbfAWSTemplateFormatVersion: '2010-09-09'\nResources: {}\n", true},
		{"version without resources", "AWSTemplateFormatVersion: '2010-09-09'\n", false},
		{"openapi", "openapi: 3.0.1\ninfo: {title: x}\npaths: {}\n", false},
		{"openapi mentioning a template", "swagger: '2.0'\nResources:\n  x:\n    Type: AWS::SNS::Topic\n", false},
		{"genkan config", "apis:\n  - id: pets\n    stages: [dev]\n", false},
		{"indented keys only", "x:\n  Resources:\n    T:\n      Type: AWS::SNS::Topic\n", false},
		{"empty", "", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := IsSAM([]byte(tc.data)); got != tc.want {
				t.Errorf("IsSAM = %v, want %v", got, tc.want)
			}
		})
	}
}
