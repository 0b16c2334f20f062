// SPDX-License-Identifier: Apache-2.0
// The few next/* exports @workos-inc/authkit-nextjs imports, standing in
// for a Next.js request (headers() and cookies() of one server action), so
// the library's own getSignInUrl runs outside a Next.js app. Loaded by
// nextjs.mjs through module.registerHooks for every "next/..." specifier.
export const jar = new Map();
export const requestHeaders = new Headers();

export async function headers() {
  return requestHeaders;
}

export async function cookies() {
  return {
    get: (name) => (jar.has(name) ? { name, value: jar.get(name).value }
                                  : undefined),
    getAll: () => [...jar].map(([name, c]) => ({ name, value: c.value })),
    has: (name) => jar.has(name),
    set: (name, value, options) => { jar.set(name, { value, options }); },
    delete: (name) => { jar.delete(name); },
  };
}

function unavailable(what) {
  return () => { throw new Error(`${what} is not part of this stand-in`); };
}

export const redirect = unavailable('redirect');
export const revalidatePath = unavailable('revalidatePath');
export const revalidateTag = unavailable('revalidateTag');
export const getURLFromRedirectError = unavailable('getURLFromRedirectError');
export class NextRequest {}
export class NextResponse {}
