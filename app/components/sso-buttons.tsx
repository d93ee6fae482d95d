import { Form } from '@remix-run/react';

/** "Sign in with …" for each configured provider: plain forms, so they work without JavaScript. */
export function SsoButtons({ providers, redirectTo, verb = 'Sign in' }: { providers: { id: string; label: string }[]; redirectTo: string; verb?: string }) {
  return (
    <>
      {providers.map((provider) => (
        // reloadDocument: the answer is a redirect to the provider, another site.
        <Form key={provider.id} method="post" action={`/auth/${provider.id}`} reloadDocument>
          <input type="hidden" name="redirectTo" value={redirectTo} />
          <button type="submit" className="button">
            {`${verb} with ${provider.label}`}
          </button>
        </Form>
      ))}
    </>
  );
}
