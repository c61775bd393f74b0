#!/bin/sh
# tests/package/run.sh - install memscope into temporary trees, build a consumer from them
# with CMake and with pkg-config, run it, uninstall, and check nothing is left.
#
# Two installs, from the repository root:
#   prefix   make install PREFIX=TMP/prefix                     (then make uninstall, same)
#   destdir  make install DESTDIR=TMP/stage PREFIX=/usr/local   (a staged tree: the CMake
#            package finds its files from its own location; pkg-config reads the staged
#            memscope.pc with PKG_CONFIG_SYSROOT_DIR=TMP/stage)
# For each: the consumer in tests/package (main.c defines MEMSCOPE_IMPLEMENTATION, work.c
# only includes the header) is built
#   - with CMake: find_package(memscope) + memscope::memscope, CMAKE_PREFIX_PATH=the tree;
#     the flags of the compile and link lines are checked (include dir, -fno-omit-frame-pointer,
#     -rdynamic, -pthread or a libc that has pthreads); find_package with the installed
#     version, with MAJOR.MINOR and with a range must succeed, with 99.0 (and, in 0.x, the
#     next and the previous minor version) must fail;
#   - with pkg-config: cc main.c work.c $(pkg-config --cflags --libs memscope),
#     PKG_CONFIG_PATH=the tree's lib/pkgconfig;
# both binaries must print the expected figures. Then make uninstall must leave no file and
# none of our directories (share/memscope, lib/memscope, lib/cmake/memscope).
#
# MEMSCOPE_MAKEFILE=path runs make with another makefile (to try install rules before they
# land in the Makefile). Exit 0 when all holds, 1 with a "FAIL ..." line when not, 2 when a
# tool is missing and cannot be installed (the command is printed). Needs cmake, pkg-config,
# a C compiler and make; installs them with apt-get when missing and we are root.
set -u

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
HERE=$ROOT/tests/package
MAKEFILE=${MEMSCOPE_MAKEFILE:-$ROOT/Makefile}
case $MAKEFILE in /*) ;; *) MAKEFILE=$(pwd)/$MAKEFILE ;; esac
CC=${CC:-cc}

missing=""
command -v cmake >/dev/null 2>&1 || missing="$missing cmake"
command -v pkg-config >/dev/null 2>&1 || missing="$missing pkg-config"
command -v make >/dev/null 2>&1 || missing="$missing make"
command -v "$CC" >/dev/null 2>&1 || missing="$missing gcc"
if [ -n "$missing" ]; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        echo "== installing:$missing =="
        # shellcheck disable=SC2086 # one word a package
        DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null &&
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing >/dev/null ||
            { echo "$0: apt-get install$missing failed" >&2; exit 2; }
    else
        echo "$0: missing tools; install them with: sudo apt-get install -y$missing" >&2
        exit 2
    fi
fi

VERSION=$(sed -n 's/^#define MEMSCOPE_VERSION_STRING "\(.*\)"/\1/p' "$ROOT/memscope.h")
[ -n "$VERSION" ] || { echo "FAIL: no MEMSCOPE_VERSION_STRING in memscope.h"; exit 1; }
MAJOR=${VERSION%%.*}; rest=${VERSION#*.}; MINOR=${rest%%.*}
EXPECTED="memscope package $VERSION, header $VERSION, library $VERSION
allocations 3, frees 1, active 2, peak 1064 bytes, live 1024 bytes"

TMP=$(mktemp -d) || exit 2
trap 'rm -rf "$TMP"' EXIT

fail() { echo "FAIL [$MODE]: $*"; exit 1; }
say() { printf '   %s\n' "$*"; }

# The CMake package files, installed by hand while the Makefile does not install them yet:
# the same commands as the lines proposed for the Makefile's install target.
install_cmake_files() { # DIR (= $(DESTDIR)$(PREFIX)) PREFIX
    install -d "$1/lib/cmake/memscope"
    sed -e "s|@PREFIX@|$2|g" -e "s|@VERSION@|$VERSION|g" \
        "$ROOT/tools/cmake/memscope-config.cmake.in" > "$1/lib/cmake/memscope/memscope-config.cmake"
    sed -e "s|@PREFIX@|$2|g" -e "s|@VERSION@|$VERSION|g" \
        "$ROOT/tools/cmake/memscope-config-version.cmake.in" > "$1/lib/cmake/memscope/memscope-config-version.cmake"
}

check_output() { # WHAT BINARY
    out=$("$2" 2>&1) || fail "$1: the consumer exited with status $?: $(printf '%s' "$out" | head -1)"
    [ "$out" = "$EXPECTED" ] || fail "$1: the consumer printed '$(printf '%s' "$out" | tr '\n' '|')', expected '$(printf '%s' "$EXPECTED" | tr '\n' '|')'"
    say "$1: the consumer prints the expected figures ($(printf '%s' "$out" | tail -1))"
}

cmake_configure() { # BUILDDIR TREE [FIND_VERSION]
    cmake -S "$HERE" -B "$1" -DCMAKE_PREFIX_PATH="$2" -DMEMSCOPE_FIND_VERSION="${3:-}" \
        -DCMAKE_C_COMPILER="$CC" -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF \
        -DCMAKE_FIND_USE_SYSTEM_PACKAGE_REGISTRY=OFF > "$1.log" 2>&1
}

run_mode() { # MODE DESTDIR PREFIX
    MODE=$1; destdir=$2; prefix=$3
    tree=$destdir$prefix
    top=${destdir:-$prefix}          # everything under it is ours
    w=$TMP/work-$MODE; mkdir -p "$w"
    echo "== package [$MODE]: make install${destdir:+ DESTDIR=$destdir} PREFIX=$prefix =="

    make -C "$ROOT" -f "$MAKEFILE" --no-print-directory install PREFIX="$prefix" DESTDIR="$destdir" \
        > "$w/install.log" 2>&1 || { tail -20 "$w/install.log"; fail "make install failed"; }
    for f in include/memscope.h share/memscope/memscope.c bin/memscope lib/memscope/libmemscope.so \
             lib/pkgconfig/memscope.pc; do
        [ -f "$tree/$f" ] || fail "make install did not install $f"
    done
    self_installed=no
    if [ ! -f "$tree/lib/cmake/memscope/memscope-config.cmake" ]; then
        # until the Makefile installs them (see the lines proposed for its install target)
        say "note: make install did not install lib/cmake/memscope/*.cmake: installed here by run.sh"
        install_cmake_files "$tree" "$prefix"
        self_installed=yes
    fi
    [ -f "$tree/lib/cmake/memscope/memscope-config-version.cmake" ] ||
        fail "make install did not install lib/cmake/memscope/memscope-config-version.cmake"
    grep -q '@PREFIX@\|@VERSION@' "$tree/lib/cmake/memscope/"*.cmake "$tree/lib/pkgconfig/memscope.pc" &&
        fail "a placeholder @PREFIX@ or @VERSION@ is left in the installed package files"
    say "installed: $(cd "$top" && find . -type f | sort | sed 's|^\./||' | tr '\n' ' ')"

    # ---- CMake ----
    cmake_configure "$w/cmake" "$tree" ||
        { tail -20 "$w/cmake.log"; fail "cmake could not configure the consumer"; }
    found=$(sed -n 's/^memscope_DIR:PATH=//p' "$w/cmake/CMakeCache.txt")
    [ "$found" = "$tree/lib/cmake/memscope" ] ||
        fail "find_package(memscope) used '$found', not $tree/lib/cmake/memscope"
    cmake --build "$w/cmake" --verbose > "$w/cmake-build.log" 2>&1 ||
        { tail -20 "$w/cmake-build.log"; fail "the CMake build of the consumer failed"; }
    grep -q -- "-I$tree/include\|-isystem $tree/include" "$w/cmake-build.log" ||
        fail "the CMake compile lines lack -I$tree/include"
    grep -q -- "-fno-omit-frame-pointer" "$w/cmake-build.log" ||
        fail "the CMake compile lines lack -fno-omit-frame-pointer"
    grep -q -- "-rdynamic" "$w/cmake-build.log" || fail "the CMake link line lacks -rdynamic"
    if grep -q -- "-pthread" "$w/cmake-build.log"; then threads="-pthread"
    elif grep -q "CMAKE_HAVE_LIBC_PTHREAD:INTERNAL=1" "$w/cmake/CMakeCache.txt"; then
        threads="no flag: FindThreads found pthreads in libc"
    else fail "the CMake lines have no -pthread and libc has no pthreads"; fi
    say "cmake: find_package(memscope) -> $found; flags: -I, -fno-omit-frame-pointer, -rdynamic, threads: $threads"
    check_output "cmake" "$w/cmake/consumer"

    # find_package with versions
    for v in "$VERSION" "$MAJOR.$MINOR" "$MAJOR.$MINOR...<99"; do
        cmake_configure "$w/cmake-v" "$tree" "$v" ||
            { tail -5 "$w/cmake-v.log"; fail "find_package(memscope $v) refused the installed $VERSION"; }
        rm -rf "$w/cmake-v"
    done
    refused="99.0"
    [ "$MAJOR" = 0 ] && refused="$refused 0.$((MINOR + 1))"
    [ "$MAJOR" = 0 ] && [ "$MINOR" -gt 0 ] && refused="$refused 0.$((MINOR - 1))"
    for v in $refused; do
        if cmake_configure "$w/cmake-v" "$tree" "$v"; then
            fail "find_package(memscope $v) accepted the installed $VERSION"
        fi
        grep -q "memscope-config.cmake, version: $VERSION" "$w/cmake-v.log" ||
            fail "find_package(memscope $v) failed for another reason than the version: $(grep -m1 -i error "$w/cmake-v.log")"
        rm -rf "$w/cmake-v"
    done
    say "cmake: find_package(memscope $VERSION | $MAJOR.$MINOR | $MAJOR.$MINOR...<99) accepted, ($refused) refused"

    # ---- pkg-config ----
    PKG_CONFIG_PATH=$tree/lib/pkgconfig
    export PKG_CONFIG_PATH
    if [ -n "$destdir" ]; then PKG_CONFIG_SYSROOT_DIR=$destdir; export PKG_CONFIG_SYSROOT_DIR; fi
    pcv=$(pkg-config --modversion memscope) || fail "pkg-config does not find memscope"
    [ "$pcv" = "$VERSION" ] || fail "pkg-config --modversion memscope says $pcv, the header $VERSION"
    flags=$(pkg-config --cflags --libs memscope)
    case " $flags " in *" -I$tree/include "*) ;; *) fail "pkg-config --cflags gives '$flags', without -I$tree/include" ;; esac
    # shellcheck disable=SC2086 # the flags are words
    "$CC" -std=c11 -O2 -Wall -Wextra -Werror "$HERE/main.c" "$HERE/work.c" \
        -DAPP_PACKAGE_VERSION="\"$pcv\"" $flags -o "$w/consumer-pc" > "$w/pc-build.log" 2>&1 ||
        { tail -20 "$w/pc-build.log"; fail "the pkg-config build of the consumer failed"; }
    say "pkg-config: $CC -std=c11 main.c work.c $flags"
    check_output "pkg-config" "$w/consumer-pc"
    unset PKG_CONFIG_PATH PKG_CONFIG_SYSROOT_DIR

    # ---- uninstall ----
    make -C "$ROOT" -f "$MAKEFILE" --no-print-directory uninstall PREFIX="$prefix" DESTDIR="$destdir" \
        > "$w/uninstall.log" 2>&1 || { tail -20 "$w/uninstall.log"; fail "make uninstall failed"; }
    if [ $self_installed = yes ]; then
        rm -f "$tree/lib/cmake/memscope/memscope-config.cmake" "$tree/lib/cmake/memscope/memscope-config-version.cmake"
        rmdir "$tree/lib/cmake/memscope" 2>/dev/null
        say "note: the CMake package files installed by run.sh were removed by run.sh"
    fi
    left=$(cd "$top" && find . ! -type d | sed 's|^\./||' | tr '\n' ' ')
    [ -z "$left" ] || fail "make uninstall left files: $left"
    dirs=""
    for d in share/memscope lib/memscope lib/cmake/memscope; do
        [ -d "$tree/$d" ] && dirs="$dirs $d"
    done
    [ -z "$dirs" ] || fail "make uninstall left our directories:$dirs (add: -rmdir for each, see the uninstall lines)"
    say "make uninstall: no file and none of our directories left"
}

run_mode prefix "" "$TMP/prefix"
run_mode destdir "$TMP/stage" /usr/local
echo "package test: installed, built with CMake and pkg-config, ran, uninstalled (prefix and DESTDIR): ok"
