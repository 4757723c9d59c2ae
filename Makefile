# Thin front end over CMake (see CMakeLists.txt); everything builds into $(BUILD)/.
#   make            configure + build build/lib/libbt.so.*, build/bin/*
#   make test       make deps, build, then every suite with ctest
#   make deps       install test dependencies (Debian, as root); quick when present
#   make demo       scripts/demo.sh: bt make / seed / get on loopback
#   make bench      scripts/bench.sh
#   make install    cmake --install (PREFIX=/usr/local, DESTDIR honoured)
#   make clean
BUILD   ?= build
PREFIX  ?= /usr/local
CMAKE   ?= cmake
JOBS    ?= $(shell nproc 2>/dev/null || echo 2)
# ctest arguments, e.g. make test CTEST_ARGS='-R capi'
CTEST_ARGS ?=

.PHONY: all configure build test deps demo bench install clean

all: build

# Configure runs every time (it is quick): new example, binding and test directories are
# picked up, and PREFIX changes reach libbt.pc.
configure:
	$(CMAKE) -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_INSTALL_PREFIX=$(PREFIX) >/dev/null

build: configure
	$(CMAKE) --build $(BUILD) -j $(JOBS)

test: deps
	$(MAKE) --no-print-directory build
	cd $(BUILD) && ctest --output-on-failure $(CTEST_ARGS)

deps:
	bash scripts/deps.sh

demo: build
	bash scripts/demo.sh $(BUILD)

bench: build
	bash scripts/bench.sh $(BUILD)

install: build
	DESTDIR=$(DESTDIR) $(CMAKE) --install $(BUILD) --prefix $(PREFIX)

clean:
	rm -rf $(BUILD)
