/**
 * The ONE place the test suite touches an IAM policy evaluator. It wraps
 * `@cloud-copilot/iam-simulate` (AGPL-3.0-or-later: a devDependency used by tests only, never
 * imported by infra/ or lambdas/, never bundled), so replacing the evaluator means replacing this
 * file.
 *
 * A request is evaluated the way AWS authorizes it: the principal's identity policies (when it is a
 * role of the template), the resource's policy (queue policy, topic policy, key policy, function
 * policy), explicit deny first, KMS's rule that identity policies count only when the key policy
 * delegates to the account, and service principals allowed only by resource policies.
 */
import { anonymousPrincipal, runSimulation } from '@cloud-copilot/iam-simulate';
import { ACCOUNT, type PolicyDocument, type ResolvedTemplate } from './resolved-template.ts';

/** The unsigned caller. */
export const ANONYMOUS = 'anonymous';

/** One request to authorize. */
export interface AccessRequest {
  /** A role ARN of the template, a service principal (`sns.amazonaws.com`), another ARN, or {@link ANONYMOUS}. */
  readonly principal: string;
  /** `service:Action`. */
  readonly action: string;
  /** ARN of the resource (`*` for actions without a resource type). */
  readonly resource: string;
  /**
   * Request context (`aws:SourceArn`, `dynamodb:LeadingKeys`, …). `aws:SecureTransport` defaults to
   * `true` (every SDK and AWS service call is TLS).
   */
  readonly context?: Readonly<Record<string, string | readonly string[]>>;
  /** Identity policies of a principal that is not a role of the template (e.g. another account's admin). */
  readonly identityPolicies?: readonly PolicyDocument[];
}

/** Outcome of an evaluation. */
export type Decision = 'Allowed' | 'ExplicitlyDenied' | 'ImplicitlyDenied';

/** The evaluator refused the input (unknown action, malformed policy, ARN of the wrong type). */
export class PolicyEvaluationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PolicyEvaluationError';
  }
}

function accountOf(arn: string): string {
  const parts = arn.split(':');
  return parts.length >= 5 && parts[4] !== '' ? (parts[4] as string) : ACCOUNT;
}

/** Authorizes `request` against the policies of `template`. */
export async function evaluate(template: ResolvedTemplate, request: AccessRequest): Promise<Decision> {
  const isTemplateRole =
    request.principal.startsWith('arn:aws:iam::') &&
    template.ofType('AWS::IAM::Role').some((r) => r.arn === request.principal);
  const identityPolicies = isTemplateRole
    ? template.identityPolicies(request.principal)
    : (request.identityPolicies ?? []).map((policy, index) => ({ name: `given-${index}`, policy }));
  const inTemplate = [...template.resources.values()].some((r) => r.arn === request.resource);
  const resourcePolicy = inTemplate ? template.resourcePolicy(request.resource) : undefined;
  const anonymous = request.principal === ANONYMOUS;
  const result = await runSimulation(
    {
      request: {
        principal: anonymous ? anonymousPrincipal : request.principal,
        action: request.action,
        resource: { resource: request.resource, accountId: accountOf(request.resource) },
        contextVariables: {
          'aws:SecureTransport': 'true',
          ...(request.context as Record<string, string | string[]> | undefined),
        },
      },
      identityPolicies: anonymous ? [] : identityPolicies,
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      ...(resourcePolicy === undefined ? {} : { resourcePolicy }),
    },
    { simulationMode: 'Strict' },
  );
  if (result.resultType === 'error') {
    throw new PolicyEvaluationError(
      `cannot evaluate ${request.principal} ${request.action} ${request.resource}: ${result.errors.message} ${JSON.stringify(result.errors)}`,
    );
  }
  return result.overallResult as Decision;
}
