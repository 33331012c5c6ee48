import type * as oauth from 'oauth4webapi';

/**
 * HTTP Basic client authentication (RFC 6749 section 2.3.1) that issuers read the same
 * whether or not they decode the credentials first. RFC 6749 form-urlencodes client_id and
 * secret before Basic; oauth4webapi follows HTML 4.01 and also encodes the RFC 3986
 * unreserved characters `-` `.` `_` `~`, so an issuer that does not decode (glewlwyd 2.7
 * compares the raw text) rejects every id or secret containing a hyphen. Leaving those four
 * as they are, as golang.org/x/oauth2 does (url.QueryEscape), sends text a decoding issuer
 * decodes to the same value and a non-decoding one takes as is.
 */
export function clientSecretBasic(clientSecret: string): oauth.ClientAuth {
  return (_as, client, _body, headers) => {
    const credentials = `${encodeCredential(client.client_id)}:${encodeCredential(clientSecret)}`;
    headers.set('authorization', `Basic ${Buffer.from(credentials, 'utf8').toString('base64')}`);
  };
}

/** Form-urlencodes everything but letters, digits and `-` `.` `_` `~`. */
export function encodeCredential(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}
