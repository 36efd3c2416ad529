//! TCP framing: a 2-byte big-endian length, then that many bytes.
//!
//! Frames are returned with their length prefix, because the codec decodes and
//! MAC-checks the bytes exactly as received.

use std::io;
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

/// Bytes of the length prefix.
pub(crate) const LENGTH_PREFIX: usize = 2;

/// Why a frame could not be read or written.
#[derive(Debug)]
pub enum FramingError {
    /// The peer closed the connection in the middle of a frame.
    Truncated,
    /// The rest of a started frame did not arrive within the read timeout.
    Stalled,
    /// The length prefix exceeds the limit: the stream cannot be trusted any more.
    TooLarge {
        /// Declared length.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// A socket error.
    Io(io::Error),
}

/// Reads one frame, prefix included; `Ok(None)` when the peer closed cleanly between frames.
///
/// Zero-length frames (keep-alives some front ends send) are skipped. The wait for
/// the first byte is unbounded (the link may idle); the rest must follow within
/// `read_timeout`, so a peer cannot hold a half frame forever.
pub async fn read_frame<R: AsyncRead + Unpin>(
    r: &mut R,
    max: usize,
    read_timeout: Duration,
) -> Result<Option<Vec<u8>>, FramingError> {
    loop {
        let mut first = [0u8; 1];
        match r.read(&mut first).await {
            Ok(0) => return Ok(None),
            Ok(_) => {}
            Err(e) => return Err(FramingError::Io(e)),
        }
        let rest = async {
            let second = r.read_u8().await?;
            let len = usize::from(u16::from_be_bytes([first[0], second]));
            if len > max {
                return Ok(Err(FramingError::TooLarge { len, max }));
            }
            let mut frame = vec![0u8; LENGTH_PREFIX + len];
            frame[0] = first[0];
            frame[1] = second;
            r.read_exact(&mut frame[LENGTH_PREFIX..]).await?;
            Ok::<_, io::Error>(Ok(frame))
        };
        match tokio::time::timeout(read_timeout, rest).await {
            Err(_) => return Err(FramingError::Stalled),
            Ok(Err(e)) if e.kind() == io::ErrorKind::UnexpectedEof => return Err(FramingError::Truncated),
            Ok(Err(e)) => return Err(FramingError::Io(e)),
            Ok(Ok(Err(too_large))) => return Err(too_large),
            Ok(Ok(Ok(frame))) if frame.len() == LENGTH_PREFIX => continue,
            Ok(Ok(Ok(frame))) => return Ok(Some(frame)),
        }
    }
}

/// Writes one already-prefixed frame and flushes it.
pub(crate) async fn write_frame<W: AsyncWrite + Unpin>(w: &mut W, frame: &[u8]) -> io::Result<()> {
    w.write_all(frame).await?;
    w.flush().await
}

/// The body length a prefixed frame declares, if it has a prefix at all.
pub(crate) fn declared_len(frame: &[u8]) -> Option<usize> {
    match frame {
        [a, b, ..] => Some(usize::from(u16::from_be_bytes([*a, *b]))),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const T: Duration = Duration::from_millis(200);

    #[tokio::test]
    async fn reads_a_frame_delivered_in_pieces() {
        let (mut a, mut b) = tokio::io::duplex(64);
        let writer = tokio::spawn(async move {
            for piece in [&[0x00u8][..], &[0x05], &[1, 2], &[3, 4, 5], &[0, 1, 9]] {
                a.write_all(piece).await.ok();
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        });
        assert_eq!(read_frame(&mut b, 100, T).await.ok().flatten(), Some(vec![0, 5, 1, 2, 3, 4, 5]));
        assert_eq!(read_frame(&mut b, 100, T).await.ok().flatten(), Some(vec![0, 1, 9]));
        writer.await.ok();
        assert!(matches!(read_frame(&mut b, 100, T).await, Ok(None)));
    }

    #[tokio::test]
    async fn skips_keepalives() {
        let (mut a, mut b) = tokio::io::duplex(64);
        a.write_all(&[0, 0, 0, 0, 0, 2, 7, 7]).await.ok();
        assert_eq!(read_frame(&mut b, 100, T).await.ok().flatten(), Some(vec![0, 2, 7, 7]));
    }

    #[tokio::test]
    async fn oversize_length_is_refused_before_reading_the_body() {
        let (mut a, mut b) = tokio::io::duplex(64);
        a.write_all(&[0xFF, 0xFF, 1, 2, 3]).await.ok();
        assert!(matches!(read_frame(&mut b, 4096, T).await, Err(FramingError::TooLarge { len: 65535, max: 4096 })));
        let (mut a, mut b) = tokio::io::duplex(64);
        a.write_all(&[0x10, 0x01]).await.ok();
        assert!(matches!(read_frame(&mut b, 4096, T).await, Err(FramingError::TooLarge { len: 4097, .. })));
    }

    #[tokio::test]
    async fn half_frame_then_close_is_truncated() {
        let (mut a, mut b) = tokio::io::duplex(64);
        a.write_all(&[0, 9, 1, 2]).await.ok();
        drop(a);
        assert!(matches!(read_frame(&mut b, 100, T).await, Err(FramingError::Truncated)));
    }

    #[tokio::test]
    async fn half_frame_then_silence_stalls() {
        let (mut a, mut b) = tokio::io::duplex(64);
        a.write_all(&[0, 9, 1, 2]).await.ok();
        assert!(matches!(read_frame(&mut b, 100, Duration::from_millis(50)).await, Err(FramingError::Stalled)));
        drop(a);
    }

    #[test]
    fn declared_length() {
        assert_eq!(declared_len(&[0x01, 0x02, 0]), Some(258));
        assert_eq!(declared_len(&[0x01]), None);
    }
}
