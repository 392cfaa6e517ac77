#!/usr/bin/env bats
# make install / make uninstall into a DESTDIR: the binary in sbin, the manual page in
# man8, and each completion where its shell (as Debian ships it) looks for it.

load helpers

REPO=$(cd "$TESTS_DIR/.." && pwd)

setup() {
	DEST=$BATS_TEST_TMPDIR/root
	# BUILD (and SANITIZE through MAKEFLAGS) come from make check, so the binary that
	# was tested is the one installed, without a rebuild.
	MAKE_ARGS=(-s -C "$REPO" "DESTDIR=$DEST" "BUILD=${BUILD:-build}")
	case ${BUILD:-build} in *sanitize*) MAKE_ARGS+=(SANITIZE=1) ;; esac
}

# The bash-completion directory the system's bash-completion searches below /usr.
bash_compdir() {
	pkg-config --variable=completionsdir bash-completion 2>/dev/null ||
		echo /usr/share/bash-completion/completions
}

installed_files() {
	(cd "$DEST" && find . \( -type f -o -type l \) | sed 's|^\.||' | sort)
}

@test "make install PREFIX=/usr puts aioctl in sbin, the manual in man8 and the completions where each shell looks" {
	run make "${MAKE_ARGS[@]}" install PREFIX=/usr
	[ "$status" -eq 0 ] || { echo "$output" >&2; return 1; }
	want=$(printf '%s\n' /usr/sbin/aioctl /usr/share/man/man8/aioctl.8 \
		"$(bash_compdir)/aioctl" /usr/share/zsh/vendor-completions/_aioctl \
		/usr/share/fish/vendor_completions.d/aioctl.fish | sort)
	[ "$(installed_files)" = "$want" ] || { diff <(echo "$want") <(installed_files) >&2; return 1; }
	[ -x "$DEST/usr/sbin/aioctl" ]
	cmp "$DEST/usr/share/man/man8/aioctl.8" "$REPO/man/aioctl.8"
	cmp "$DEST$(bash_compdir)/aioctl" "$REPO/completions/aioctl.bash"
	cmp "$DEST/usr/share/zsh/vendor-completions/_aioctl" "$REPO/completions/_aioctl"
	cmp "$DEST/usr/share/fish/vendor_completions.d/aioctl.fish" "$REPO/completions/aioctl.fish"
	# the installed program is the one built, and runs
	run "$DEST/usr/sbin/aioctl" --version
	[ "$status" -eq 0 ]
	[[ "$output" == "aioctl "* ]]
	[ "$(stat -c %a "$DEST/usr/share/man/man8/aioctl.8")" = 644 ]
}

@test "man, bash-completion, zsh and fish find what make install put below /usr" {
	make "${MAKE_ARGS[@]}" install PREFIX=/usr
	if command -v man >/dev/null; then
		[ "$(MANPATH=$DEST/usr/share/man man -w aioctl)" = "$DEST/usr/share/man/man8/aioctl.8" ]
	fi
	if [ -r /usr/share/bash-completion/bash_completion ]; then
		# bash-completion loads a command's completion on demand from XDG_DATA_DIRS
		run env XDG_DATA_DIRS="$DEST/usr/share" bash --norc --noprofile -c '
			source /usr/share/bash-completion/bash_completion
			__load_completion aioctl && complete -p aioctl'
		[ "$status" -eq 0 ]
		[[ "$output" == *"-F _aioctl aioctl"* ]]
	fi
	if command -v zsh >/dev/null; then
		# the directory is in zsh's default fpath, and the file there is a completion function
		zsh -fc 'print -l $fpath' | grep -qx /usr/share/zsh/vendor-completions
		run zsh -fc "fpath=($DEST/usr/share/zsh/vendor-completions \$fpath); autoload -U compinit;
			compinit -u -d $BATS_TEST_TMPDIR/zcompdump; print -r -- \${_comps[aioctl]}"
		[ "$status" -eq 0 ]
		[ "$output" = _aioctl ]
	fi
	if command -v fish >/dev/null; then
		# fish sets its search path up in its own config.fish; HOME keeps a user's out
		env HOME="$BATS_TEST_TMPDIR" fish -c 'string join \n $__fish_vendor_completionsdirs' |
			grep -qx /usr/share/fish/vendor_completions.d
		# fish autoloads completions only for commands it finds in PATH
		run env HOME="$BATS_TEST_TMPDIR" XDG_DATA_DIRS="$DEST/usr/share" PATH="$DEST/usr/sbin:$PATH" fish -c 'complete -C "aioctl li"'
		[[ "$output" == list* ]]
	fi
}

@test "make uninstall removes everything make install put there" {
	make "${MAKE_ARGS[@]}" install PREFIX=/usr
	[ -n "$(installed_files)" ]
	run make "${MAKE_ARGS[@]}" uninstall PREFIX=/usr
	[ "$status" -eq 0 ] || { echo "$output" >&2; return 1; }
	[ -z "$(installed_files)" ] || { installed_files >&2; return 1; }
}

@test "the default PREFIX is /usr/local, with zsh's site-functions there" {
	run make "${MAKE_ARGS[@]}" install
	[ "$status" -eq 0 ] || { echo "$output" >&2; return 1; }
	want=$(printf '%s\n' /usr/local/sbin/aioctl /usr/local/share/man/man8/aioctl.8 \
		/usr/local/share/bash-completion/completions/aioctl \
		/usr/local/share/zsh/site-functions/_aioctl \
		/usr/local/share/fish/vendor_completions.d/aioctl.fish | sort)
	[ "$(installed_files)" = "$want" ] || { diff <(echo "$want") <(installed_files) >&2; return 1; }
	if command -v zsh >/dev/null; then
		zsh -fc 'print -l $fpath' | grep -qx /usr/local/share/zsh/site-functions
	fi
	make "${MAKE_ARGS[@]}" uninstall
	[ -z "$(installed_files)" ]
}
