package s3

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awss3 "github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// abortTimeout bounds the clean-up of a failed upload, which runs even when
// the caller's context is done.
const abortTimeout = 30 * time.Second

// upload sends body to the object name. A body that fits in one part goes
// in one PutObject; a larger one in a multipart upload, completed only once
// body has been read to its end without error.
//
// The multipart uploader of the SDK's feature/s3/manager is deprecated, and
// its successor is not yet stable; this is the small part of either that
// Quarry needs, with an abort that outlives the caller's cancellation.
func (s *Store) upload(ctx context.Context, name string, body io.Reader) error {
	first := s.parts.Get().(*[]byte)
	defer s.parts.Put(first)
	n, err := io.ReadFull(body, *first)
	switch {
	case errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF):
		_, err := s.client.PutObject(ctx, &awss3.PutObjectInput{
			Bucket:        &s.bucket,
			Key:           &name,
			Body:          bytes.NewReader((*first)[:n]),
			ContentLength: aws.Int64(int64(n)),
		})
		return err
	case err != nil:
		return err
	}
	second := s.parts.Get().(*[]byte)
	defer s.parts.Put(second)
	return s.uploadParts(ctx, name, body, *first, *second)
}

// uploadParts sends first, then the rest of body, as the parts of a
// multipart upload: one part is read from body while the previous one is
// sent, so a slow client and a slow server overlap instead of adding up.
// Any failure aborts the upload, leaving no object behind.
func (s *Store) uploadParts(ctx context.Context, name string, body io.Reader, first, spare []byte) (err error) {
	created, err := s.client.CreateMultipartUpload(ctx, &awss3.CreateMultipartUploadInput{Bucket: &s.bucket, Key: &name})
	if err != nil {
		return fmt.Errorf("create multipart upload: %w", err)
	}
	uploadID := created.UploadId
	defer func() {
		if err != nil {
			s.abort(ctx, name, uploadID)
		}
	}()

	// sendCtx stops the reading loop as soon as a part fails to send.
	sendCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	type part struct {
		number int32
		data   []byte
	}
	toSend := make(chan part)
	// Two slots: both buffers can be free at once when the loop stops
	// early, and the sender must never block returning one.
	free := make(chan []byte, 2)
	free <- spare
	var (
		completed []types.CompletedPart
		sendErr   error // written by the sender, read after done
		done      = make(chan struct{})
	)
	go func() {
		defer close(done)
		for p := range toSend {
			if sendErr == nil {
				out, err := s.client.UploadPart(sendCtx, &awss3.UploadPartInput{
					Bucket:        &s.bucket,
					Key:           &name,
					UploadId:      uploadID,
					PartNumber:    aws.Int32(p.number),
					Body:          bytes.NewReader(p.data),
					ContentLength: aws.Int64(int64(len(p.data))),
				})
				if err != nil {
					sendErr = fmt.Errorf("upload part %d: %w", p.number, err)
					cancel()
				} else {
					completed = append(completed, types.CompletedPart{ETag: out.ETag, PartNumber: aws.Int32(p.number)})
				}
			}
			free <- p.data[:cap(p.data)]
		}
	}()

	var readErr error
	data, last := first, false
	for number := int32(1); ; number++ {
		if number > maxParts {
			readErr = fmt.Errorf("the blob is larger than %d parts of %d bytes", maxParts, s.partSize)
			break
		}
		toSend <- part{number, data}
		if last {
			break
		}
		if err := sendCtx.Err(); err != nil {
			readErr = err
			break
		}
		buf := <-free
		n, err := io.ReadFull(body, buf)
		if errors.Is(err, io.EOF) {
			break // the previous part was the last
		}
		if errors.Is(err, io.ErrUnexpectedEOF) {
			err, last = nil, true
		}
		if err != nil {
			readErr = err
			break
		}
		data = buf[:n]
	}
	close(toSend)
	<-done
	// A send failure cancels sendCtx, which the reading loop then reports:
	// the send failure is the cause.
	if sendErr != nil {
		return sendErr
	}
	if readErr != nil {
		return readErr
	}

	_, err = s.client.CompleteMultipartUpload(ctx, &awss3.CompleteMultipartUploadInput{
		Bucket:          &s.bucket,
		Key:             &name,
		UploadId:        uploadID,
		MultipartUpload: &types.CompletedMultipartUpload{Parts: completed},
	})
	if err != nil {
		return fmt.Errorf("complete multipart upload: %w", err)
	}
	return nil
}

// abort discards a multipart upload's parts. It runs on a context of its
// own, since the most common reason to abort is that ctx was cancelled; a
// failure is only logged, as the upload has already failed for a better
// reason.
func (s *Store) abort(ctx context.Context, name string, uploadID *string) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), abortTimeout)
	defer cancel()
	_, err := s.client.AbortMultipartUpload(ctx, &awss3.AbortMultipartUploadInput{Bucket: &s.bucket, Key: &name, UploadId: uploadID})
	if err != nil {
		s.logger.WarnContext(ctx, "s3: could not abort a failed multipart upload; its parts stay until a lifecycle rule removes them",
			"bucket", s.bucket, "key", name, "upload_id", aws.ToString(uploadID), "error", err)
	}
}
