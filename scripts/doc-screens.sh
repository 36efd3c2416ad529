#!/usr/bin/env bash
# Copies the merchant's day (MerchantDayTest's screenshots, Chinese, phone) from target/screens/
# into docs/screens/ for docs/android.md, at half size in 256 colours (ImageMagick's `convert`).
# Run after the Robolectric tests (./scripts/test.sh, or POS_ANDROID_TESTS=MerchantDay
# ./scripts/test-kotlin.sh) when the screens change; the test command checks that every
# screenshot docs/android.md links to is in docs/screens/.
set -euo pipefail
cd "$(dirname "$0")/.."
im=""
for c in magick /usr/bin/convert convert; do
  if "$c" -version 2>/dev/null | grep -q ImageMagick; then im=$c; break; fi
done
[ -n "$im" ] || { echo "ImageMagick is needed (apt-get install imagemagick)" >&2; exit 1; }
mkdir -p docs/screens
shopt -s nullglob
n=0
for png in target/screens/day-[0-9][0-9]*.png; do
  name=$(basename "$png")
  # zh-phone only: the others carry -<zh|en>-<phone|tablet>.
  [[ $name =~ -(zh|en)-(phone|tablet)\.png$ ]] && continue
  "$im" "$png" -resize 50% -strip -colors 256 "PNG8:docs/screens/$name"
  n=$((n + 1))
done
[ "$n" -gt 0 ] || { echo "no day screenshots in target/screens: run the Robolectric tests first" >&2; exit 1; }
echo "$n screenshots in docs/screens/ ($(du -sh docs/screens | cut -f1))"
