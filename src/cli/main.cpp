#include <cstdio>
int main() { std::puts("sonavec"); return 0; }
