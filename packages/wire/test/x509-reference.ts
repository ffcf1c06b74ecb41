/** @peculiar/x509 as an independent reference implementation, with its Reflect metadata needs met first. */
import 'reflect-metadata'; // @peculiar/x509 needs it (tsyringe)

export * as x509 from '@peculiar/x509';
