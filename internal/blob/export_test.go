package blob

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// PendingUploads counts the multipart uploads begun and neither completed
// nor aborted in an S3 store's bucket.
func PendingUploads(ctx context.Context, s *Store) (int, error) {
	b := s.b.(*s3Bucket)
	out, err := b.client.ListMultipartUploads(ctx, &s3.ListMultipartUploadsInput{Bucket: &b.bucket})
	if err != nil {
		return 0, err
	}
	return len(out.Uploads), nil
}
