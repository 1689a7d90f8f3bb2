// FORGE_API marks what libforge.so exports: the public API of forge/run.hpp. Everything else of
// forge is built with hidden visibility, so a program linking forge::forge sees only this.
#pragma once

#define FORGE_API __attribute__((visibility("default")))
