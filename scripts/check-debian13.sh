#!/usr/bin/env bash
# The third row of the support matrix, on demand: builds forge and runs its whole test suite
# on Debian 13 (trixie) with Debian 13's own libtorch (2.6, CPU) and compiler, in a Debian 13
# root made with debootstrap inside this checkout (build-debian13/root, about 3 GB) and entered
# with chroot. Needs root (or sudo) and Debian's archive; the root is kept between runs, so a
# second run only copies the working tree, rebuilds what changed and tests.
#   bash scripts/check-debian13.sh            make or reuse the root, build, test
#   bash scripts/check-debian13.sh --fresh    start from a new root
# The last lines printed (and build-debian13/result.txt) say what passed.
set -euo pipefail
cd "$(dirname "$0")/.."
case ${1:-} in
  "") fresh=0 ;;
  --fresh) fresh=1 ;;
  *) echo "usage: bash scripts/check-debian13.sh [--fresh]" >&2; exit 2 ;;
esac
if [[ $(id -u) -ne 0 ]]; then
  exec sudo bash "$0" "$@"
fi

here=$PWD
root=$here/build-debian13/root

# Debian's archive as this machine's apt reaches it (a local mirror, a proxy), never one named
# here: the main archive among apt's index targets (its suite not -security, -updates or
# -backports), else the first deb source in apt's source files.
debian_mirror() {
  local uri
  uri=$(apt-get indextargets --format '$(REPO_URI) $(SUITE) $(TARGET_OF)' 2>/dev/null |
    awk '$3 == "deb" && $2 !~ /-(security|updates|backports)$/ { print $1; exit }')
  if [[ -z $uri ]]; then
    uri=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null |
      sed -E 's/\[[^]]*\]//' | awk '$1 == "deb" && $2 !~ /security/ { print $2; exit }')
  fi
  if [[ -z $uri ]]; then
    uri=$(cat /etc/apt/sources.list.d/*.sources 2>/dev/null |
      awk '$1 == "URIs:" && $2 !~ /security/ { print $2; exit }')
  fi
  [[ -n $uri ]] || { echo "check-debian13: apt has no Debian source configured (/etc/apt/sources.list*)" >&2; return 1; }
  echo "${uri%/}"
}
mirror=$(debian_mirror)
echo "Debian archive: $mirror (from apt's sources)"

# Whatever was mounted into the root is unmounted again, also when a step fails.
mounted=()
unmount_all() {
  local i
  for ((i = ${#mounted[@]} - 1; i >= 0; i--)); do
    umount -l "${mounted[i]}" 2>/dev/null || true
  done
}
trap unmount_all EXIT
mount_into_root() { # mount_into_root TARGET MOUNT_ARGS...
  local target=$root$1
  shift
  mkdir -p "$target"
  mount "$@" "$target"
  mounted+=("$target")
}

if ((fresh)); then
  rm -rf "$here/build-debian13"
fi
if [[ ! -f $root/etc/debian_version ]]; then
  command -v debootstrap >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -q debootstrap
  rm -rf "$root"
  mkdir -p "$root"
  debootstrap --variant=minbase --include=ca-certificates,sudo trixie "$root" "$mirror"
fi
cp /etc/resolv.conf "$root/etc/resolv.conf"

# The working tree as git sees it (tracked and new files, nothing ignored), over the last copy:
# a file whose content changed is written anew (so its time is now, and the copy's build/
# folder, kept between runs, rebuilds it), an unchanged one is left alone, a gone one removed.
staging=$here/build-debian13/staging
rm -rf "$staging"
mkdir -p "$staging" "$root/forge"
git ls-files -z --cached --others --exclude-standard |
  tar --null -T - -cf - | tar -xf - -C "$staging"
(cd "$root/forge" && find . -path ./build -prune -o -type f -print) | while read -r file; do
  [[ -e $staging/$file ]] || rm -f "$root/forge/$file"
done
(cd "$staging" && find . -type f -print) | while read -r file; do
  if ! cmp -s "$staging/$file" "$root/forge/$file"; then
    mkdir -p "$(dirname "$root/forge/$file")"
    cp "$staging/$file" "$root/forge/$file"
  fi
done
rm -rf "$staging"

# The root is a mount point of its own, as / is: `ip netns exec` (the two-host test) remounts it.
mount_into_root "" --bind "$root"
mount_into_root /proc -t proc proc
mount_into_root /sys --rbind /sys
mount_into_root /dev --rbind /dev
mount_into_root /dev/shm -t tmpfs tmpfs
mount_into_root /run -t tmpfs tmpfs

in_root() {
  env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root \
    LANG=C.UTF-8 TERM=dumb chroot "$root" bash -c "cd /forge && $1"
}

started=$(date +%s)
in_root 'bash scripts/setup.sh'
versions=$(in_root 'echo "$(. /etc/os-release; echo $PRETTY_NAME), libtorch $(dpkg-query -W -f="\${Version}" libtorch-dev), $(clang++ --version | head -1)"')
echo "== $versions"
in_root 'bash scripts/build.sh'
status=0
in_root 'ctest --test-dir build -j2 --output-on-failure' | tee "$here/build-debian13/ctest.log" || status=$?
summary=$(grep -E 'tests passed|tests failed' "$here/build-debian13/ctest.log" | tail -1 || true)
minutes=$((($(date +%s) - started + 59) / 60))
{
  echo "$(date -u +%Y-%m-%d) $(git rev-parse --short HEAD): $versions"
  echo "${summary:-ctest printed no summary} (setup, build and tests: $minutes min)"
} | tee "$here/build-debian13/result.txt"
exit $status
