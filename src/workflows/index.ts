/** Workflow entry point for the worker bundle: every workflow the worker runs. */
export { describeQuery, executionsQuery, type JobWorkflowInput, jobWorkflow } from './job-workflow';
