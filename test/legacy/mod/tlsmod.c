/* A library with thread-local storage, dlopen'ed by tls_threads: each
 * thread that calls into it must see its own copy, starting from the image
 * (.tdata copied, .tbss zero), through __tls_get_addr. */
__thread int mod_init = 7;
__thread char mod_zero[64];

int *mod_addr(void)
{
    return &mod_init;
}

int mod_check_and_set(int v)
{
    int ok = mod_init == 7;
    for (unsigned i = 0; i < sizeof mod_zero; i++) ok &= mod_zero[i] == 0;
    mod_init = v;
    mod_zero[0] = (char)v;
    return ok;
}

int mod_get(void)
{
    return mod_zero[0] == (char)mod_init ? mod_init : -1;
}
