package blob

import (
	"bytes"
	"context"
	"io"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// PartSize is the part size of the S3 backend's multipart uploads: S3's
// smallest (every part but the last must be at least 5 MiB). A write
// holds at most two parts in memory, one being read from the source while
// the other is sent, whatever the blob's size (up to 10,000 parts: about
// 48 GiB). A blob smaller than one part is sent with one PutObject.
const PartSize = 5 << 20

// write reads the first part; a source that ends within it becomes one
// PutObject, anything longer a multipart upload. Nothing is visible at key
// until PutObject or CompleteMultipartUpload succeeds, and a failed
// multipart upload is aborted so that S3 drops its parts.
func (b *s3Bucket) write(ctx context.Context, key string, r io.Reader) (int64, error) {
	first, err := io.ReadAll(io.LimitReader(ctxReader{ctx, r}, PartSize))
	if err != nil {
		return int64(len(first)), err
	}
	if len(first) < PartSize {
		_, err := b.client.PutObject(ctx, &s3.PutObjectInput{Bucket: &b.bucket, Key: &key, Body: bytes.NewReader(first),
			ContentLength: aws.Int64(int64(len(first))), ChecksumAlgorithm: b.checksum})
		return int64(len(first)), err
	}
	return b.multipart(ctx, key, r, first)
}

type part struct {
	num  int32
	data []byte
}

func (b *s3Bucket) multipart(ctx context.Context, key string, r io.Reader, first []byte) (int64, error) {
	created, err := b.client.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: &b.bucket, Key: &key,
		ChecksumAlgorithm: b.checksum})
	if err != nil {
		return 0, err
	}
	id := created.UploadId
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)

	// Two buffers: the reader fills one while the sender sends the other.
	// The first failure (the source's, a part's, the caller's end) cancels
	// ctx with itself as the cause, which stops the other side.
	parts := make(chan part)
	free := make(chan []byte, 2) // room for both: the sender never waits on it
	free <- make([]byte, PartSize)
	var done []types.CompletedPart
	sent := make(chan struct{})
	go func() {
		defer close(sent)
		for p := range parts {
			if ctx.Err() == nil {
				cp, err := b.uploadPart(ctx, key, id, p)
				if err != nil {
					cancel(err)
				}
				done = append(done, cp)
			}
			free <- p.data[:PartSize] // every buffer's capacity is at least that
		}
	}()
	n, err := feed(ctx, ctxReader{ctx, r}, first, parts, free)
	if err != nil {
		cancel(err)
	}
	close(parts)
	<-sent
	if ctx.Err() != nil {
		err = context.Cause(ctx)
	} else {
		_, err = b.client.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{Bucket: &b.bucket, Key: &key,
			UploadId: id, MultipartUpload: &types.CompletedMultipartUpload{Parts: done}})
	}
	if err != nil {
		// On a context of its own: the caller's may be what ended.
		actx, acancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		defer acancel()
		_, _ = b.client.AbortMultipartUpload(actx, &s3.AbortMultipartUploadInput{Bucket: &b.bucket, Key: &key, UploadId: id})
		return n, err
	}
	return n, nil
}

// feed sends src in parts, the first being first, each buffer taken from
// free, until src ends. It returns the bytes read.
func feed(ctx context.Context, src io.Reader, first []byte, parts chan<- part, free <-chan []byte) (int64, error) {
	n := int64(len(first))
	p, last := part{num: 1, data: first}, false
	for {
		select {
		case parts <- p:
		case <-ctx.Done():
			return n, context.Cause(ctx)
		}
		if last {
			return n, nil
		}
		var buf []byte
		select {
		case buf = <-free:
		case <-ctx.Done():
			return n, context.Cause(ctx)
		}
		m, err := fill(src, buf)
		n += int64(m)
		switch {
		case err == io.EOF && m == 0:
			return n, nil
		case err == io.EOF:
			last = true
		case err != nil:
			return n, err
		}
		p = part{num: p.num + 1, data: buf[:m]}
	}
}

// fill reads into buf until it is full or r fails, and returns r's error
// as it is: io.EOF is the end, anything else (io.ErrUnexpectedEOF of a
// truncated request body included) a failure.
func fill(r io.Reader, buf []byte) (int, error) {
	n := 0
	for n < len(buf) {
		m, err := r.Read(buf[n:])
		n += m
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

func (b *s3Bucket) uploadPart(ctx context.Context, key string, id *string, p part) (types.CompletedPart, error) {
	out, err := b.client.UploadPart(ctx, &s3.UploadPartInput{Bucket: &b.bucket, Key: &key, UploadId: id,
		PartNumber: aws.Int32(p.num), Body: bytes.NewReader(p.data), ContentLength: aws.Int64(int64(len(p.data))),
		ChecksumAlgorithm: b.checksum})
	if err != nil {
		return types.CompletedPart{}, err
	}
	// With a checksum algorithm declared, completion must repeat each
	// part's checksum.
	return types.CompletedPart{PartNumber: aws.Int32(p.num), ETag: out.ETag, ChecksumCRC32: out.ChecksumCRC32}, nil
}
