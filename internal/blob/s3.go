package blob

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"
)

// s3Bucket keeps blobs as objects of one S3 bucket, through the AWS SDK's
// S3 client. Writes are multipart uploads with bounded buffers (s3upload.go).
type s3Bucket struct {
	client *s3.Client
	bucket string
	// checksum is the algorithm uploads declare: CRC32, as the SDK's own
	// upload managers do, or none with request_checksum_calculation=
	// when_required (for S3-compatible servers that reject the SDK's
	// default checksums).
	checksum types.ChecksumAlgorithm
}

// s3Params are the query parameters an s3:// URL takes (the ones
// gocloud.dev's s3blob took that botport documents, so existing URLs keep
// working). Anything else is refused, so a typo does not go unnoticed.
var s3Params = []string{"region", "endpoint", "use_path_style", "disable_https",
	"request_checksum_calculation", "response_checksum_validation", "profile"}

// openS3 opens s3://BUCKET?PARAMS. Credentials come from the SDK's default
// chain (environment, shared config and credentials files, SSO, web
// identity, container and instance roles). Parameters:
//   - region: the bucket's region (else AWS_REGION or the shared config's);
//   - endpoint: the server's URL, for S3-compatible servers;
//   - use_path_style=true: bucket in the path, not the host name;
//   - disable_https=true: plain HTTP to endpoints resolved by the SDK;
//   - request_checksum_calculation, response_checksum_validation:
//     when_supported (the SDK's default) or when_required;
//   - profile: the shared config profile.
func openS3(ctx context.Context, u *url.URL) (*s3Bucket, error) {
	if u.Host == "" {
		return nil, errors.New("no bucket name: use s3://BUCKET?region=…")
	}
	var loadOpts []func(*config.LoadOptions) error
	var endpoint string
	var pathStyle, plainHTTP bool
	for k, vs := range u.Query() {
		v := vs[len(vs)-1]
		switch k {
		case "region":
			loadOpts = append(loadOpts, config.WithRegion(v))
		case "profile":
			loadOpts = append(loadOpts, config.WithSharedConfigProfile(v))
		case "endpoint":
			endpoint = v
		case "use_path_style", "disable_https":
			b, err := strconv.ParseBool(v)
			if err != nil {
				return nil, fmt.Errorf("%s=%q: want true or false", k, v)
			}
			if k == "use_path_style" {
				pathStyle = b
			} else {
				plainHTTP = b
			}
		case "request_checksum_calculation":
			switch strings.ToLower(v) {
			case "when_supported":
				loadOpts = append(loadOpts, config.WithRequestChecksumCalculation(aws.RequestChecksumCalculationWhenSupported))
			case "when_required":
				loadOpts = append(loadOpts, config.WithRequestChecksumCalculation(aws.RequestChecksumCalculationWhenRequired))
			default:
				return nil, fmt.Errorf("%s=%q: want when_supported or when_required", k, v)
			}
		case "response_checksum_validation":
			switch strings.ToLower(v) {
			case "when_supported":
				loadOpts = append(loadOpts, config.WithResponseChecksumValidation(aws.ResponseChecksumValidationWhenSupported))
			case "when_required":
				loadOpts = append(loadOpts, config.WithResponseChecksumValidation(aws.ResponseChecksumValidationWhenRequired))
			default:
				return nil, fmt.Errorf("%s=%q: want when_supported or when_required", k, v)
			}
		default:
			return nil, fmt.Errorf("unknown query parameter %q (known: %s)", k, strings.Join(s3Params, ", "))
		}
	}
	// No client-side retry quota: a burst of failed requests would
	// otherwise make later requests fail without being tried (gocloud.dev
	// turned it off too).
	loadOpts = append(loadOpts, config.WithRetryer(func() aws.Retryer {
		return retry.NewStandard(func(o *retry.StandardOptions) { o.RateLimiter = ratelimit.None })
	}))
	cfg, err := config.LoadDefaultConfig(ctx, loadOpts...)
	if err != nil {
		return nil, err
	}
	client := s3.NewFromConfig(cfg, func(o *s3.Options) {
		o.UsePathStyle = pathStyle
		o.EndpointOptions.DisableHTTPS = plainHTTP
		if endpoint != "" {
			if !strings.Contains(endpoint, "://") { // host:port
				scheme := "https://"
				if plainHTTP {
					scheme = "http://"
				}
				endpoint = scheme + endpoint
			}
			o.BaseEndpoint = aws.String(endpoint)
		}
	})
	b := &s3Bucket{client: client, bucket: u.Host, checksum: types.ChecksumAlgorithmCrc32}
	if cfg.RequestChecksumCalculation == aws.RequestChecksumCalculationWhenRequired {
		b.checksum = ""
	}
	return b, nil
}

func (b *s3Bucket) openRange(ctx context.Context, key string, offset, length int64) (io.ReadCloser, error) {
	in := &s3.GetObjectInput{Bucket: &b.bucket, Key: &key}
	switch {
	case length == 0:
		// No range reads zero bytes; make sure there is a blob to read.
		if _, err := b.size(ctx, key); err != nil {
			return nil, err
		}
		return io.NopCloser(strings.NewReader("")), nil
	case length > 0:
		in.Range = aws.String(fmt.Sprintf("bytes=%d-%d", offset, offset+length-1))
	case offset > 0:
		in.Range = aws.String(fmt.Sprintf("bytes=%d-", offset))
	}
	out, err := b.client.GetObject(ctx, in)
	if err != nil {
		if code(err) == "InvalidRange" { // the range starts past the end
			return io.NopCloser(strings.NewReader("")), nil
		}
		return nil, s3Error(err)
	}
	return out.Body, nil
}

func (b *s3Bucket) size(ctx context.Context, key string) (int64, error) {
	out, err := b.client.HeadObject(ctx, &s3.HeadObjectInput{Bucket: &b.bucket, Key: &key})
	if err != nil {
		return 0, s3Error(err)
	}
	return aws.ToInt64(out.ContentLength), nil
}

// remove deletes key; S3 answers a delete of a missing key with success.
func (b *s3Bucket) remove(ctx context.Context, key string) error {
	_, err := b.client.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: &b.bucket, Key: &key})
	return s3Error(err)
}

func (b *s3Bucket) close() error { return nil }

// s3Error maps a missing object (GetObject's NoSuchKey, HeadObject's bare
// 404 NotFound) to ErrNotFound.
func s3Error(err error) error {
	if err != nil && slices.Contains([]string{"NoSuchKey", "NotFound"}, code(err)) {
		return ErrNotFound
	}
	return err
}

// code is the S3 error code of err, or "".
func code(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}
