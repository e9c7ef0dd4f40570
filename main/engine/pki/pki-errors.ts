/**
 * The CA's errors, apart from the code that throws them: the RPC handlers tell them from
 * bugs without loading @peculiar/x509, which the engine loads only when the CA is used.
 */
export class ProjectCaError extends Error {}
export class CredentialsError extends Error {}
export class UnknownCertificateError extends CredentialsError {}
